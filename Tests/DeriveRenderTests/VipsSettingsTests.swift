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

    /// Two arenas, pixel buffers from the heap (not mapped and unmapped per render), and freed heap
    /// kept up to 32 MiB; a setting made in the environment is the environment's.
    @Test func mallocSettingsLeaveTheEnvironmentsOwn() {
        #expect(
            VipsRuntime.mallocSettings(environment: [:]) == [
                .arenaMax(2), .mmapThreshold(32 << 20), .trimThreshold(32 << 20),
            ])
        #expect(
            VipsRuntime.mallocSettings(environment: ["MALLOC_ARENA_MAX": "8"]) == [
                .mmapThreshold(32 << 20), .trimThreshold(32 << 20),
            ])
        let tunables = ["GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=0"]
        #expect(VipsRuntime.mallocSettings(environment: tunables) == [.arenaMax(2)])
        // Another tunable does not count as one of these.
        #expect(
            VipsRuntime.mallocSettings(environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"]).count == 3)
    }
}
