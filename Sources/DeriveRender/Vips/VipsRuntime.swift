import Foundation
import CVips

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
        guard vips_init("derive") == 0 else { return .failure(VipsError.take("init")) }
        vips_cache_set_max(0)
        vips_cache_set_max_mem(0)
        vips_cache_set_max_files(0)
        vips_concurrency_set(1)
        vips_block_untrusted_set(1)
        return .success(())
    }()

    /// Starts libvips if needed; cheap after the first call.
    public static func start() throws(VipsError) {
        try started.get()
    }

    /// The libvips version, e.g. "8.14.1".
    public static var version: String {
        "\(vips_version(0)).\(vips_version(1)).\(vips_version(2))"
    }

    /// Bytes currently allocated by libvips for pixel buffers.
    public static var trackedMemory: Int { Int(vips_tracked_get_mem()) }

    /// Number of open pixel allocations libvips tracks.
    public static var trackedAllocations: Int { Int(vips_tracked_get_allocs()) }

    /// Number of live VipsObjects (images, operations, sources); a leak check compares it to a baseline.
    public static var liveObjectCount: Int {
        var count: Int32 = 0
        vips_object_map(
            { _, _, counter in
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
    static func take(_ operation: String) -> VipsError {
        guard let buffer = vips_error_buffer_copy() else {
            return VipsError(operation: operation, message: "unknown libvips error")
        }
        defer { g_free(buffer) }
        let text = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
        return VipsError(operation: operation, message: text.isEmpty ? "unknown libvips error" : text)
    }
}
