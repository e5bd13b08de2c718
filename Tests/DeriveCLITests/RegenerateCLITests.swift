import Derive
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `derive regenerate` as a child process: selections, `--json`, the dry run, failures and exit
/// status, SIGKILL at a random point and a rerun, two processes on one job.
@Suite struct RegenerateCLITests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("derive-regen-\(UUID().uuidString)")

    func seed(
        _ count: Int, prefix: String, image: String = "photo_coffee.png",
        configure: (Int) -> UploadOptions? = { _ in nil }
    )
        async throws
    {
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: CLI.image(image))))
        let derive = try await Derive.open(Configuration(dataDirectory: data))
        for index in 0..<count {
            let options = configure(index) ?? UploadOptions(publicID: "\(prefix)\(index)")
            try await derive.upload(bytes, options: options)
        }
        await derive.shutdown()
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    func events() async throws -> [DeriveEvent] {
        let derive = try await Derive.open(Configuration(dataDirectory: data))
        var events: [DeriveEvent] = []
        for try await event in derive.events(after: 0, follow: false) { events.append(event) }
        await derive.shutdown()
        return events
    }

    @Test func selectionsModesJSONDryRunFailuresAndJobs() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        try await seed(4, prefix: "x/") { index in
            switch index {
            case 0: UploadOptions(publicID: "x/0", tags: ["t"])
            case 3: UploadOptions(publicID: "y/0", type: "private")
            default: nil
            }
        }
        let d = ["--data", data.path, "--json"]
        let prefix = try await CLI.run(["regenerate", "--prefix", "x/", "--transformation", "w_10"] + d)
        #expect(prefix.status == 0, "\(prefix.stderr)")
        let summary = try json(prefix.stdout)
        #expect(
            summary["rendered"] as? Int == 3 && summary["failed"] as? Int == 0 && summary["state"] as? String == "done")
        #expect((summary["renderer"] as? String)?.hasPrefix("derive-render/") == true)

        let tag = try await CLI.run(["regenerate", "--tag", "t", "--transformation", "w_10", "--missing-only"] + d)
        let tagged = try json(tag.stdout)
        #expect(tag.status == 0 && tagged["rendered"] as? Int == 0 && tagged["skipped"] as? Int == 1)

        let type = try await CLI.run(["regenerate", "--type", "private", "--transformation", "w_10"] + d)
        let typed = try json(type.stdout)
        #expect(type.status == 0 && typed["rendered"] as? Int == 1)

        let dry = try await CLI.run(["regenerate", "--all", "--existing", "--dry-run", "--sample", "2"] + d)
        let estimate = try json(dry.stdout)
        #expect(dry.status == 0 && estimate["renders"] as? Int == 4 && estimate["sampled"] as? Int == 2)
        #expect((estimate["estimated_bytes"] as? Int ?? 0) > 0 && (estimate["estimated_seconds"] as? Double ?? 0) > 0)

        let missing = try await CLI.run(["regenerate", "--public-id", "x/1", "nope", "--transformation", "w_12"] + d)
        #expect(missing.status == 1)
        let failed = try json(missing.stdout)
        #expect(failed["rendered"] as? Int == 1 && failed["failed"] as? Int == 1)
        let failures = try #require(failed["failures"] as? [[String: Any]])
        #expect(failures.count == 1 && failures[0]["item"] as? String == "nope")

        let plain = try await CLI.run(["regenerate", "--all", "--stale", "--data", data.path])
        #expect(plain.status == 0 && plain.stdout.contains("done: 0 rendered"), "\(plain.stdout)")

        let jobs = try await CLI.run(["regenerate", "--list-jobs"] + d)
        let lines = jobs.stdout.split(separator: "\n")
        #expect(jobs.status == 0 && lines.count == 5)
        let newest = try json(String(lines[0]))
        #expect(
            newest["state"] as? String == "done" && (newest["request"] as? [String: Any])?["stale"] as? Bool == true)

        let bad = try await CLI.run(["regenerate", "--transformation", "w_10", "--data", data.path])
        #expect(bad.status == 2 && bad.stderr.contains("select originals"))
        let badTransformation = try await CLI.run([
            "regenerate", "--all", "--transformation", "w_x", "--data", data.path,
        ])
        #expect(badTransformation.status == 2, "\(badTransformation.stderr)")
        let unknown = try await CLI.run(["regenerate", "--cancel", "nosuchjob", "--data", data.path])
        #expect(unknown.status == 2)
    }

    /// Starts the binary without waiting.
    func spawn(_ arguments: [String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, out)
    }

    /// Waits for the child on a dispatch thread (not a cooperative one); returns its stdout.
    func finish(_ child: (Process, Pipe)) async -> (Int32, String) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let output = child.1.fileHandleForReading.readDataToEndOfFile()
                child.0.waitUntilExit()
                continuation.resume(returning: (child.0.terminationStatus, String(decoding: output, as: UTF8.self)))
            }
        }
    }

    /// `(public_id, transformation)` of every `derived.created` event, for `transformation`.
    func created(_ transformation: String) async throws -> [String] {
        try await events().filter { $0.kind == .derivedCreated }.compactMap { event in
            let derived = (event.payloadObject?["derived"] as? [[String: Any]])?.first
            guard derived?["transformation"] as? String == transformation else { return nil }
            return event.publicID
        }
    }

    @Test func killedAtARandomPointAndRerunRendersEachDerivativeOnce() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        try await seed(200, prefix: "k/")
        let arguments = [
            "regenerate", "--all", "--transformation", "w_64", "-j", "2", "--batch-size", "4", "--json", "--data",
            data.path,
        ]
        let child = try spawn(arguments)
        try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500)))
        kill(child.0.processIdentifier, SIGKILL)
        _ = await finish(child)
        let opened = try await Derive.open(Configuration(dataDirectory: data))
        let interrupted = try await opened.regenerationJobs().first { $0.state == .running }
        await opened.shutdown()
        let rerun = try await CLI.run(arguments)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let summary = try json(rerun.stdout)
        #expect(summary["state"] as? String == "done")
        if let interrupted {  // killed mid-job (not before the job row, not after the end)
            #expect(summary["resumed"] as? Bool == true && summary["job"] as? String == interrupted.id)
            #expect(summary["rendered"] as? Int == 200 - interrupted.rendered)
        }
        let created = try await created("w_64")
        #expect(created.count == 200 && Set(created).count == 200)
        let derive = try await Derive.open(Configuration(dataDirectory: data))
        for index in [0, 57, 123, 199] {
            let derived = try #require(try await derive.resource(publicID: "k/\(index)")).derived
            #expect(derived.map(\.transformation) == ["w_64"])
        }
        let job = try #require(try await derive.regenerationJobs().first)
        #expect(job.rendered == 200 && job.failed == 0 && job.state == .done)
        await derive.shutdown()
    }

    @Test func twoProcessesOnOneJobSplitTheWorkWithoutOverlap() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        try await seed(200, prefix: "c/")
        let arguments = [
            "regenerate", "--all", "--transformation", "w_48", "-j", "1", "--batch-size", "2", "--json", "--data",
            data.path,
        ]
        let first = try spawn(arguments)
        let second = try spawn(arguments)
        let (status1, out1) = await finish(first)
        let (status2, out2) = await finish(second)
        #expect(status1 == 0 && status2 == 0)
        let (a, b) = (try json(out1), try json(out2))
        #expect(a["job"] as? String == b["job"] as? String)
        let rendered = [a["rendered"] as? Int ?? -1, b["rendered"] as? Int ?? -1]
        #expect(rendered[0] + rendered[1] == 200 && rendered.allSatisfy { $0 > 0 }, "\(rendered)")
        let created = try await created("w_48")
        #expect(created.count == 200 && Set(created).count == 200)
    }
}
