import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The versions of the codec and colour libraries libvips links (they decide an output's bytes as
/// much as libvips does), for the renderer fingerprint: `jpeg/62.3.0;png/1.6.39;webp/1.2.4;…`.
///
/// Found at run time in the libraries already loaded with libvips, so what is reported is what
/// renders: a version function where the library has one (libpng, libwebp, lcms2), else the
/// version in the file name of the loaded shared library (libjpeg, libtiff, cgif), as
/// `/proc/self/maps` names it (the real file, symbolic links resolved). Codecs libvips
/// loads as modules on demand (libheif for AVIF/HEIC) are not included: whether they are loaded
/// yet differs from process to process, and the fingerprint must not.
enum CodecVersions {
    static let summary: String = {
        guard let process = dlopen(nil, RTLD_NOW) else { return "" }
        defer { dlclose(process) }
        var parts: [String] = []
        let mapped = mappedFiles()
        if let text = fileVersion(mapped, library: "libjpeg.so.") { parts.append("jpeg/" + text) }
        if let function = symbol(process, "png_access_version_number", as: (@convention(c) () -> UInt32).self) {
            let number = function()  // e.g. 10639 = 1.6.39
            parts.append("png/\(number / 10000).\(number / 100 % 100).\(number % 100)")
        }
        if let function = symbol(process, "WebPGetEncoderVersion", as: (@convention(c) () -> Int32).self) {
            let number = function()  // 0xMMmmrr
            parts.append("webp/\(number >> 16 & 0xFF).\(number >> 8 & 0xFF).\(number & 0xFF)")
        }
        if let function = symbol(process, "cmsGetEncodedCMMversion", as: (@convention(c) () -> Int32).self) {
            let number = function()  // e.g. 2140 = 2.14
            parts.append("lcms/\(number / 1000).\(number / 10 % 100)")
        }
        if let text = fileVersion(mapped, library: "libtiff.so.") { parts.append("tiff/" + text) }
        if let text = fileVersion(mapped, library: "libcgif.so.") { parts.append("cgif/" + text) }
        return parts.joined(separator: ";")
    }()

    private static func symbol<T>(_ handle: UnsafeMutableRawPointer, _ name: String, as type: T.Type) -> T? {
        guard let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }

    /// The file names of the shared objects mapped into this process (Linux; empty elsewhere).
    private static func mappedFiles() -> Set<String> {
        guard let file = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(file) }
        var names = Set<String>()
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let slash = text.lastIndex(of: "/") else { continue }
            names.insert(String(text[text.index(after: slash)...]).trimmingCharacters(in: .newlines))
        }
        return names
    }

    /// The version in the name of the loaded file of a library (`libjpeg.so.62.3.0` → `62.3.0`).
    private static func fileVersion(_ mapped: Set<String>, library prefix: String) -> String? {
        for name in mapped.sorted() where name.hasPrefix(prefix) {
            let version = name.dropFirst(prefix.count)
            if !version.isEmpty && version.allSatisfy({ $0.isNumber || $0 == "." }) { return String(version) }
        }
        return nil
    }
}
