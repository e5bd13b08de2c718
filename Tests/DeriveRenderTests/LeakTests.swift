import DeriveRender
import DeriveTransform
import Foundation
import Testing

/// Renders 500 times and checks that libvips' own accounting (live objects, tracked pixel memory
/// and allocations) is back at its baseline. Other tests render concurrently in the same process,
/// so this suite runs only when `DERIVE_LEAK_TEST=1`; `make test` runs it alone in a second pass.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DERIVE_LEAK_TEST"] == "1"))
struct LeakTests {
    @Test func fiveHundredRendersLeaveNoLibvipsObjectsBehind() throws {
        // libvips lists live objects only while leak checking is on.
        VipsRuntime.setLeakChecking(true)
        defer { VipsRuntime.setLeakChecking(false) }
        let renderer = Renderer()
        let source = TestImages.bytes("photo_1600_progressive.jpg")
        let transformations = try ["c_fill,w_300,h_200", "c_fit,w_200,h_200", "w_0.1/c_fill,g_north,w_50,h_50"]
            .map { try Transformation(parsing: $0) }
        // Warm up once: libvips creates long-lived singletons (loaders' classes, thread pool) lazily.
        _ = try renderer.render(source, transformation: transformations[0], format: .webp)
        let objects = VipsRuntime.liveObjectCount
        let memory = VipsRuntime.trackedMemory
        let allocations = VipsRuntime.trackedAllocations
        for index in 0..<500 {
            let format: ImageFormat = [.jpeg, .webp, .png][index % 3]
            _ = try renderer.render(source, transformation: transformations[index % 3], format: format)
            if index % 50 == 0 {
                // A failing call every 50 renders must not leak either.
                _ = try? renderer.render([0xFF, 0xD8, 0xFF], transformation: transformations[0], format: .jpeg)
            }
        }
        #expect(VipsRuntime.liveObjectCount == objects)
        // The counter does see live images: holding one raises it.
        let held = try VipsCall.call("black", ["width": .int(8), "height": .int(8)]).image()
        #expect(VipsRuntime.liveObjectCount > objects)
        #expect(held.width == 8)
        #expect(VipsRuntime.trackedMemory == memory)
        #expect(VipsRuntime.trackedAllocations == allocations)
    }
}
