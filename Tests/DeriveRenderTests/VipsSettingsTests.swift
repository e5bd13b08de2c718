import CVips
import DeriveRender
import DeriveTransform
import Foundation
import Testing

/// The process-wide libvips settings a server needs.
@Suite struct VipsSettingsTests {
    /// liborc is off: concurrent renders compiling orc programs crashed the server (VipsRuntime).
    @Test func liborcIsOffAndConcurrentResizesAgree() async throws {
        try VipsRuntime.start()
        #expect(vips_vector_isenabled() == 0)
        let renderer = Renderer()
        let bytes = TestImages.bytes("alpha_logo_skimage.png")
        let transformation = try Transformation(parsing: "c_scale,w_20")
        let reference = try renderer.render(bytes, transformation: transformation, format: .png).bytes
        // Many small resizes at once: each compiles its reduce programs when vectors are on.
        let outputs = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<64 {
                group.addTask { try renderer.render(bytes, transformation: transformation, format: .png).bytes }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outputs.allSatisfy { $0 == reference })
    }
}
