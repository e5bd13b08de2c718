import CVips
import Foundation
import Synchronization

/// Process-wide libvips start-up and server settings.
///
/// libvips is initialised once, lazily and thread-safely. The settings are the ones a server wants:
/// no operation cache (it would keep request buffers alive), one worker thread per pipeline
/// (parallelism comes from running requests side by side), and untrusted loaders blocked.
public enum VipsRuntime {
    private static let started: Result<Void, VipsError> = {
        guard cvips_abi_ok() != 0 else {
            return .failure(VipsError(operation: "init", message: "libvips ABI mismatch"))
        }
        guard initialiseWithChosenModules() else { return .failure(VipsError.take("init")) }
        vips_cache_set_max(0)
        vips_cache_set_max_mem(0)
        vips_cache_set_max_files(0)
        vips_concurrency_set(1)
        vips_block_untrusted_set(1)
        vips_vector_set_enabled(vectorEnabled ? 1 : 0)
        return .success(())
    }()

    /// liborc (libvips 8.14's run-time SIMD code generator) is off unless `DERIVE_VIPS_VECTOR=1`:
    /// libvips compiles orc programs per image (reduce, convolution) and orc 0.4.33's code
    /// allocator is not safe when two render threads compile at once. Concurrent uploads with
    /// eager renders crashed `derive serve` with a SIGSEGV inside liborc (three runs of the API
    /// benchmark, after 128–7,493 uploads). Without it the 12 MP fill and the PNG resize take the
    /// same time and a sharpen chain about 5–15 % more (the compile cost orc saves per image is
    /// about what its vector code gains); see BENCHMARKS.md.
    static let vectorEnabled: Bool = {
        ["1", "true", "yes", "on"].contains(
            (ProcessInfo.processInfo.environment["DERIVE_VIPS_VECTOR"] ?? "").lowercased())
    }()

    /// `vips_init` loads every module in libvips' module directory (on Debian: PDF via poppler,
    /// ImageMagick, OpenSlide, JPEG XL, HEIF with its codecs): 10–17 ms and about 5 MB per process.
    /// Derive serves none of those formats but HEIF/AVIF, so it starts libvips with an unused
    /// `VIPSHOME` (no module directory is found) and loads the HEIF module only when an AVIF/HEIC
    /// image is read or written (`require(module:)`). `DERIVE_VIPS_MODULES=all` keeps libvips' own
    /// behaviour, as does a `VIPSHOME` set by the user; a comma list preloads those modules.
    private static let moduleDirectory: String? = {
        let environment = ProcessInfo.processInfo.environment
        guard environment["DERIVE_VIPS_MODULES"] != "all", environment["VIPSHOME"] == nil,
            let library = libvipsPath
        else { return nil }
        // Not `vips_guess_libdir`: libvips caches its first answer, and `vips_init` would then find
        // the real module directory despite the unused `VIPSHOME`.
        let directory = URL(fileURLWithPath: library).deletingLastPathComponent().path
        let modules = "\(directory)/vips-modules-\(vips_version(0)).\(vips_version(1))"
        return FileManager.default.fileExists(atPath: modules) ? modules : nil
    }()

    /// The file libvips was loaded from, e.g. `/usr/lib/x86_64-linux-gnu/libvips.so.42.16.1`, read from
    /// the process' memory map (Linux; elsewhere libvips loads its modules itself).
    private static var libvipsPath: String? {
        // Read line by line: /proc files report size 0, so whole-file readers see them as empty.
        guard let file = fopen("/proc/self/maps", "r") else { return nil }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let text = String(cString: line).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let slash = text.firstIndex(of: "/") else { continue }
            let path = text[slash...]
            if path.split(separator: "/").last?.hasPrefix("libvips.so") == true { return String(path) }
        }
        return nil
    }

    /// Whether libvips has an operation by nickname, e.g. `jxlload` (false until its module loads).
    public static func hasOperation(_ nickname: String) -> Bool {
        guard (try? start()) != nil else { return false }
        return vips_type_find("VipsOperation", nickname) != 0
    }

    private static let loadedModules = Mutex<Set<String>>([])

    private static func initialiseWithChosenModules() -> Bool {
        guard moduleDirectory != nil else { return vips_init("derive") == 0 }
        // Called once, lazily, before any render thread exists.
        setenv("VIPSHOME", "/nonexistent/derive-vips-home", 1)
        let status = vips_init("derive")
        unsetenv("VIPSHOME")
        guard status == 0 else { return false }
        let preload = ProcessInfo.processInfo.environment["DERIVE_VIPS_MODULES"] ?? ""
        for name in preload.split(separator: ",") where !name.isEmpty { load(String(name)) }
        return true
    }

    /// Makes sure an optional libvips module (`heif`) is loaded; a no-op when libvips loaded its
    /// modules itself.
    public static func require(module name: String) {
        guard (try? start()) != nil, moduleDirectory != nil else { return }
        load(name)
    }

    private static func load(_ name: String) {
        guard let directory = moduleDirectory else { return }
        loadedModules.withLock { loaded in
            guard loaded.insert(name).inserted else { return }
            let path = "\(directory)/vips-\(name).so"
            guard FileManager.default.fileExists(atPath: path), let module = g_module_open(path, G_MODULE_BIND_LAZY)
            else { return }
            g_module_make_resident(module)  // its types stay registered for the life of the process
        }
    }

    /// Starts libvips if needed; cheap after the first call.
    public static func start() throws(VipsError) {
        try started.get()
    }

    /// The libvips version, e.g. "8.14.1".
    public static var version: String {
        "\(vips_version(0)).\(vips_version(1)).\(vips_version(2))"
    }

    /// glibc malloc settings for a process that renders, applied once at process start (`derive
    /// serve`, `derive regenerate`); an embedding service may call it too. A setting the environment
    /// already makes (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`, or
    /// the same name in `GLIBC_TUNABLES`) is left to the environment.
    ///
    /// - Two arenas: render threads allocating and freeing large pixel buffers otherwise make glibc
    ///   keep one growing arena per thread; under the soak test's mixed load the server's RSS climbed
    ///   from 78 to 700 MiB in 150 s, with two it stays flat (what sharp and libvips recommend).
    /// - Pixel buffers up to 32 MiB come from the heap, and up to 32 MiB of freed heap per arena
    ///   stays mapped: with glibc's defaults a render's buffers were mapped and unmapped (or
    ///   trimmed) on every render, about 5,000 page faults, each zeroing a fresh page, per PNG miss
    ///   of the benchmark. With these, about 10, and that miss is about 4 % faster. A larger
    ///   allocation (a 12 MP image in memory) is still mapped and returned when freed. See
    ///   BENCHMARKS.md.
    public static func configureMallocForRendering(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        for setting in mallocSettings(environment: environment) {
            switch setting {
            case .arenaMax(let count): _ = cvips_malloc_arena_max(count)
            case .mmapThreshold(let bytes): _ = cvips_malloc_mmap_threshold(bytes)
            case .trimThreshold(let bytes): _ = cvips_malloc_trim_threshold(bytes)
            }
        }
    }

    /// One `mallopt` setting.
    public enum MallocSetting: Equatable, Sendable {
        case arenaMax(Int32), mmapThreshold(Int32), trimThreshold(Int32)
    }

    /// The settings ``configureMallocForRendering(environment:)`` applies: those the environment
    /// does not already make.
    public static func mallocSettings(environment: [String: String]) -> [MallocSetting] {
        let tunables = environment["GLIBC_TUNABLES"] ?? ""
        func unset(_ variable: String, _ tunable: String) -> Bool {
            environment[variable] == nil && !tunables.contains("glibc.malloc.\(tunable)=")
        }
        var settings: [MallocSetting] = []
        if unset("MALLOC_ARENA_MAX", "arena_max") { settings.append(.arenaMax(2)) }
        if unset("MALLOC_MMAP_THRESHOLD_", "mmap_threshold") { settings.append(.mmapThreshold(32 << 20)) }
        if unset("MALLOC_TRIM_THRESHOLD_", "trim_threshold") { settings.append(.trimThreshold(32 << 20)) }
        return settings
    }

    /// Bytes currently allocated by libvips for pixel buffers.
    public static var trackedMemory: Int { Int(vips_tracked_get_mem()) }

    /// Number of open pixel allocations libvips tracks.
    public static var trackedAllocations: Int { Int(vips_tracked_get_allocs()) }

    /// Number of live VipsObjects (images, operations, sources); a leak check compares it to a baseline.
    public static var liveObjectCount: Int {
        var count: Int32 = 0
        vips_object_map(
            { _, counter, _ in  // (object, a, b): the counter is `a`
                counter?.assumingMemoryBound(to: Int32.self).pointee += 1
                return nil
            }, &count, nil)
        return Int(count)
    }

    /// Turns libvips' leak reporting on (it prints what is still alive at shutdown).
    public static func setLeakChecking(_ on: Bool) {
        vips_leak_set(on ? 1 : 0)
    }
}

/// An error reported by libvips, with the operation that failed.
public struct VipsError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var message: String

    public var description: String { "\(operation): \(message)" }

    /// Takes (copies and clears) libvips' process-wide error buffer. The text is a diagnostic only:
    /// under concurrency it can hold another thread's message, so callers branch on return codes.
    ///
    /// `since` is the buffer's length when the operation started (``errorMark``): text before it was
    /// left by earlier calls (libtiff reports recoverable problems as errors, and nothing clears them
    /// when the operation succeeds), so only what came after is this failure's message.
    static func take(_ operation: String, since mark: Int = 0) -> VipsError {
        guard let buffer = vips_error_buffer_copy() else {
            return VipsError(operation: operation, message: "unknown libvips error")
        }
        defer { g_free(buffer) }
        var bytes = Array(
            UnsafeBufferPointer(
                start: UnsafeRawPointer(buffer).assumingMemoryBound(to: UInt8.self), count: strlen(buffer)))
        if mark > 0, mark < bytes.count { bytes.removeFirst(mark) }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return VipsError(operation: operation, message: text.isEmpty ? "unknown libvips error" : text)
    }

    /// The error buffer's current length, to pass to ``take(_:since:)``.
    static var errorMark: Int { strlen(vips_error_buffer()) }
}
