import Derive
import DeriveStore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Kills a child process that uploads, renders and deletes (`derive-crash-worker`, built next to
/// this test bundle) with SIGKILL at random moments, 20 times on the same data directory. After
/// each kill: every acknowledged upload is there, no row points at a missing blob, and `gc`
/// removes every blob no row references.
@Suite struct CrashTests {
    static var worker: URL {
        let bundle = URL(
            fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("derive-crash-worker")
    }

    static let images = ["exif_orient_1.jpg", "exif_orient_3.jpg", "gray_camera.jpg"].map { name in
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("TestImages/\(name)").path
    }

    @Test(.timeLimit(.minutes(10))) func sigkillLosesNothingAcknowledgedAndLeavesOnlyCollectableBlobs() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.worker.path), "build derive-crash-worker first")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "derive-crash-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var acknowledged: [String: Int] = [:]  // keeper → newest acknowledged version
        var steps = 0
        for round in 1...20 {
            let log = directory.appendingPathComponent("worker-\(round).log")
            #expect(FileManager.default.createFile(atPath: log.path, contents: nil))
            let output = try FileHandle(forWritingTo: log)
            let process = Process()
            process.executableURL = Self.worker
            process.arguments = [directory.appendingPathComponent("data").path, String(round)] + Self.images
            process.standardOutput = output
            let errors = directory.appendingPathComponent("worker-\(round).err")
            #expect(FileManager.default.createFile(atPath: errors.path, contents: nil))
            let errorOutput = try FileHandle(forWritingTo: errors)
            process.standardError = errorOutput
            try process.run()
            try output.close()
            try errorOutput.close()
            // Let it work for a random while after its first acknowledged step, then kill it.
            try await waitUntil("the worker acknowledges a step") {
                guard process.isRunning else { return true }
                return ((try? FileManager.default.attributesOfItem(atPath: log.path)[.size]) as? Int ?? 0) > 0
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...700)))
            if !process.isRunning {
                let said = String(decoding: (try? Data(contentsOf: errors)) ?? Data(), as: UTF8.self)
                Issue.record(
                    "round \(round): the worker stopped on its own (status \(process.terminationStatus)): \(said)")
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)

            let lines = String(decoding: try Data(contentsOf: log), as: UTF8.self).split(separator: "\n")
            steps += lines.count
            for line in lines {
                let parts = line.split(separator: " ")
                if parts.count == 3, parts[0] == "UPLOAD", parts[1].hasPrefix("keep/"), let version = Int(parts[2]) {
                    acknowledged[String(parts[1])] = max(acknowledged[String(parts[1])] ?? 0, version)
                }
            }
            try await verify(directory.appendingPathComponent("data"), acknowledged, round: round)
        }
        #expect(acknowledged.count > 3 && steps > 40, "the worker did too little to prove anything")
    }

    func verify(_ data: URL, _ acknowledged: [String: Int], round: Int) async throws {
        var configuration = Configuration(dataDirectory: data)
        configuration.renderThreads = 1
        configuration.lifecycle.deliverWebhooks = false
        let derive = try await Derive.open(configuration)
        do {
            for (id, version) in acknowledged {
                let stored = try await derive.resource(publicID: id)?.resource.version
                #expect(
                    stored.map { $0 >= version } == true,
                    "round \(round): acknowledged \(id) v\(version) is \(String(describing: stored))")
            }
            let check = try await derive.checkConsistency()
            #expect(check.missingBlobs.isEmpty, "round \(round): rows without blobs \(check.missingBlobs)")
            _ = try await derive.collectGarbage(gracePeriod: 0)
            let after = try await derive.checkConsistency()
            #expect(
                after.isConsistent && after.orphanBlobs.isEmpty, "round \(round): \(after.orphanBlobs.count) orphans")
            for folder in ["tmp", "trash"] {
                let left = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent(folder).path)
                #expect(left.isEmpty, "round \(round): \(folder)/ still holds \(left)")
            }
        } catch {
            await derive.shutdown()
            throw error
        }
        await derive.shutdown()
    }
}
