import Foundation
import Testing

@testable import DeriveRender

/// The renderer fingerprint names Derive's renderer, libvips and the codec libraries it links.
@Suite struct FingerprintTests {
    @Test func theFingerprintNamesTheRendererLibvipsAndTheLinkedCodecs() throws {
        try VipsRuntime.start()
        let parts = Renderer.fingerprint.split(separator: ";").map(String.init)
        #expect(parts.first == "derive-render/3")
        #expect(parts.contains("libvips/\(VipsRuntime.version)"))
        let names = Set(parts.compactMap { $0.split(separator: "/").first.map(String.init) })
        // Debian's libvips 8.14 links all of these; each must be found with a numeric version.
        for codec in ["jpeg", "png", "webp", "lcms", "tiff"] {
            #expect(names.contains(codec), "\(codec) missing from \(Renderer.fingerprint)")
        }
        for part in parts.dropFirst() {
            let version = part.split(separator: "/").last ?? ""
            #expect(!version.isEmpty && version.allSatisfy { $0.isNumber || $0 == "." }, "\(part)")
        }
        #expect(Renderer.fingerprint == Renderer.fingerprint, "computed once, stable")
    }
}
