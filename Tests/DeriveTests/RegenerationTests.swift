import Derive
import DeriveStore
import Foundation
import GRDB
import Testing

/// `Derive.regenerate`: selections, modes, fingerprints, replaced bytes and their events, resuming
/// (real libvips renders, real SQLite).
@Suite struct RegenerationTests {
    let coffee = LifecycleFixture.image("photo_coffee.png")
    let chelsea = LifecycleFixture.image("photo_chelsea.png")

    /// Runs a request to its end; returns the last progress.
    func run(
        _ derive: Derive, _ request: RegenerationRequest,
        options: RegenerationOptions = RegenerationOptions(concurrency: 2, batchSize: 2)
    ) async throws -> RegenerationProgress {
        var last: RegenerationProgress?
        for try await progress in derive.regenerate(request, options: options) { last = progress }
        return try #require(last)
    }

    /// a/1 (tag t), a/2, b/1 (tag t), p/1 (private).
    func seed(_ derive: Derive) async throws {
        try await derive.upload(coffee, options: UploadOptions(publicID: "a/1", tags: ["t"]))
        try await derive.upload(chelsea, options: UploadOptions(publicID: "a/2"))
        try await derive.upload(coffee, options: UploadOptions(publicID: "b/1", tags: ["t"]))
        try await derive.upload(chelsea, options: UploadOptions(publicID: "p/1", type: "private"))
    }

    /// `(type/public_id, transformation, format)` of every derivative.
    func derivatives(_ derive: Derive) async throws -> Set<String> {
        var all = Set<String>()
        for (type, id) in [("upload", "a/1"), ("upload", "a/2"), ("upload", "b/1"), ("private", "p/1")] {
            for d in try await derive.resource(publicID: id, type: type)?.derived ?? [] {
                all.insert("\(type)/\(id) \(d.transformation) \(d.format)")
            }
        }
        return all
    }

    @Test func eachSelectionRendersTheGivenTransformationsForExactlyItsOriginals() async throws {
        let cases: [(RegenerationRequest.Selection, String?, Set<String>)] = [
            (.all, nil, ["upload/a/1", "upload/a/2", "upload/b/1", "private/p/1"]),
            (.prefix("a/"), nil, ["upload/a/1", "upload/a/2"]),
            (.tag("t"), nil, ["upload/a/1", "upload/b/1"]),
            (.all, "private", ["private/p/1"]),
            (.publicIDs(["b/1", "a/2", "b/1"]), nil, ["upload/b/1", "upload/a/2"]),
        ]
        for (selection, type, expected) in cases {
            try await LifecycleFixture.with { fixture in
                try await seed(fixture.derive)
                let request = RegenerationRequest(
                    selection: selection, type: type, transformations: ["c_fill,w_20,h_10/webp", "w_12"])
                let last = try await run(fixture.derive, request)
                #expect(last.finished && last.state == .done && last.failed == 0)
                #expect(last.rendered == expected.count * 2 && last.remaining == expected.count * 2)
                let made = try await derivatives(fixture.derive)
                let wanted = Set(
                    expected.flatMap { ["\($0) c_fill,h_10,w_20 webp", "\($0) w_12 png"] })
                #expect(made == wanted, "\(selection)")
                // One derived.created event per derivative, nothing else.
                let created = try await fixture.events().filter { $0.kind == .derivedCreated }
                #expect(created.count == wanted.count)
            }
        }
    }

    @Test func missingOnlyExistingAndIdenticalBytesChangeNothing() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            try await seed(derive)
            _ = try await derive.render(publicID: "a/1", transformation: "w_12", format: "png")
            let missing = try await run(
                derive, RegenerationRequest(selection: .prefix("a/"), transformations: ["w_12"], missingOnly: true))
            #expect(missing.rendered == 1 && missing.skipped == 1)  // a/2 only

            let before = try await derive.lastEventSequence()
            let existing = try await run(derive, RegenerationRequest(selection: .all, existing: true))
            #expect(existing.unchanged == 2 && existing.rendered == 0 && existing.failed == 0)
            #expect(try await derive.lastEventSequence() == before)  // identical bytes: no event
        }
    }

    @Test func badRequestsAreRefusedClearly() async throws {
        try await LifecycleFixture.with { fixture in
            let bad = [
                RegenerationRequest(selection: .all),
                RegenerationRequest(selection: .all, existing: true, missingOnly: true),
                RegenerationRequest(selection: .publicIDs([]), existing: true),
                RegenerationRequest(selection: .all, transformations: ["w_abc"]),
                RegenerationRequest(selection: .all, transformations: ["w_10"], existing: true),
            ]
            for request in bad {
                await #expect(throws: DeriveError.self) {
                    for try await _ in fixture.derive.regenerate(request) {}
                }
            }
        }
    }

    /// Writes `renderer` on the derivatives whose transformation is `transformation`.
    static func setRenderer(_ fixture: LifecycleFixture, _ renderer: String, transformation: String) throws {
        let queue = try DatabaseQueue(path: fixture.directory.appendingPathComponent("catalog.sqlite").path)
        try queue.write { db in
            try db.execute(
                sql: "UPDATE derivatives SET renderer = ? WHERE transformation = ?",
                arguments: [renderer, transformation])
        }
    }

    @Test func staleRendersExactlyTheDerivativesWithAnotherFingerprint() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            try await seed(derive)
            _ = try await run(derive, RegenerationRequest(selection: .all, transformations: ["w_12", "w_14/webp"]))
            try Self.setRenderer(fixture, "derive-render/2;libvips/8.10.0", transformation: "w_14")
            let before = derive.renderCount
            let stale = try await run(derive, RegenerationRequest(selection: .all, stale: true))
            #expect(stale.unchanged == 4 && stale.skipped == 4 && stale.failed == 0)
            #expect(derive.renderCount - before == 4)
            for id in ["a/1", "a/2", "b/1"] {
                let derived = try #require(try await derive.resource(publicID: id)).derived
                #expect(derived.allSatisfy { $0.renderer == Derive.rendererFingerprint })
            }
            // Now nothing is stale.
            let again = try await run(derive, RegenerationRequest(selection: .all, stale: true))
            #expect(again.done == 0 && again.skipped == 8)
        }
    }

    @Test func replacedBytesInvalidateTheirURLsInExactlyOneEvent() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            try await seed(derive)
            let a1 = try await derive.render(publicID: "a/1", transformation: "w_12", format: "jpg")
            _ = try await derive.render(publicID: "a/2", transformation: "w_12", format: "jpg")
            let old = try #require(a1.derivative)
            // An "old renderer's" output: other bytes (an existing blob) under an old fingerprint.
            let other = try await derive.upload(chelsea, publicID: "elsewhere").resource.blob
            let queue = try DatabaseQueue(path: fixture.directory.appendingPathComponent("catalog.sqlite").path)
            try await queue.write { db in
                try db.execute(
                    sql: "UPDATE derivatives SET blob = ?, renderer = 'derive-render/2;libvips/8.9.0' WHERE id = ?",
                    arguments: [other, old.id])
            }
            let before = try await derive.lastEventSequence()
            let last = try await run(derive, RegenerationRequest(selection: .prefix("a/"), stale: true))
            #expect(last.rendered == 1 && last.skipped == 1 && last.failed == 0)
            let events = try await fixture.events().filter { $0.sequence > before }
            #expect(events.map(\.kind) == [.derivedReplaced, .invalidate])
            let url = "/demo/image/upload/w_12/v1/a/1.jpg"
            #expect(events.filter { $0.kind == .invalidate && $0.urls.contains(url) }.count == 1)
            #expect(events.last?.urls == [url])
            let now = try #require(try await derive.resource(publicID: "a/1")?.derived.first)
            #expect(now.id == old.id && now.blob == old.blob && now.renderer == Derive.rendererFingerprint)
            try await fixture.expectCleanAfterGC()
        }
    }

    @Test func aCancelledRunResumesWithoutRenderingAnythingTwice() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            for index in 0..<12 { try await derive.upload(coffee, publicID: "r/\(index)") }
            let request = RegenerationRequest(selection: .all, transformations: ["w_16", "w_18/webp"])
            let options = RegenerationOptions(concurrency: 2, batchSize: 2)
            var first: RegenerationProgress?
            for try await progress in derive.regenerate(request, options: options) {
                first = progress
                if progress.done >= 5 { break }  // cancels the run
            }
            let stopped = try #require(first)
            await derive.waitForRegenerations()
            let job = try #require(try await derive.regenerationJob(stopped.job))
            #expect(job.state == .running && job.rendered >= 5 && job.rendered < 24)

            let second = try await run(derive, request, options: options)
            #expect(second.resumed && second.job == stopped.job && second.state == .done, "\(second)")
            #expect(job.failed == 0 && second.failed == 0)
            #expect(job.rendered + second.rendered == 24)
            let created = try await fixture.events().filter { $0.kind == .derivedCreated }
            #expect(created.count == 24)
            #expect(Set(created.map(\.payload)).count == 24)
            let finished = try #require(try await derive.regenerationJob(stopped.job))
            #expect(finished.rendered == 24 && finished.state == .done)
            // The same request once the job is done: a new job, which renders everything again (unchanged).
            let third = try await run(derive, request, options: options)
            #expect(!third.resumed && third.unchanged == 24)
        }
    }

    @Test func dryRunCountsAndEstimatesWithoutStoring() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            try await seed(derive)
            _ = try await derive.render(publicID: "a/1", transformation: "w_12", format: "png")
            let before = try await derive.lastEventSequence()
            let estimate = try await derive.estimateRegeneration(
                RegenerationRequest(selection: .all, transformations: ["w_12"], missingOnly: true), sample: 2)
            #expect(estimate.originals == 4 && estimate.renders == 3 && estimate.skipped == 1)
            #expect(estimate.sampled == 2 && estimate.sampleBytesPerRender > 0 && estimate.estimatedSeconds > 0)
            #expect(estimate.estimatedBytes == Int(estimate.sampleBytesPerRender * 3))
            #expect(try await derive.lastEventSequence() == before)
            #expect(try await derive.regenerationJobs().isEmpty)
        }
    }

    @Test func aFullRenderPoolMakesItemsWaitNotFail() async throws {
        try await LifecycleFixture.with(configure: {
            $0.renderThreads = 1
            $0.maxQueuedRenders = 0
        }) { fixture in
            for index in 0..<6 { try await fixture.derive.upload(coffee, publicID: "q/\(index)") }
            let last = try await run(
                fixture.derive, RegenerationRequest(selection: .all, transformations: ["w_11", "w_13"]),
                options: RegenerationOptions(concurrency: 4, batchSize: 1))
            #expect(last.rendered == 12 && last.failed == 0 && last.state == .done)
        }
    }

    @Test func missingPublicIDsAndUnrenderableItemsAreFailuresWithReasons() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            try await seed(derive)
            let last = try await run(
                derive, RegenerationRequest(selection: .publicIDs(["a/1", "nope"]), transformations: ["w_12"]))
            #expect(last.rendered == 1 && last.failed == 1)
            let failures = try await derive.regenerationFailures(job: last.job)
            #expect(failures.map(\.label) == ["nope"] && failures.first?.error == "resource not found")
        }
    }
}
