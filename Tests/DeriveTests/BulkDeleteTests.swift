import Derive
import DeriveStore
import Foundation
import Testing

/// Every delete form against a catalog of thousands of originals (real SQLite, real blob files).
@Suite struct BulkDeleteTests {
    @Test func deleteByPrefixWalksBatchesWithACursorAndCascades() async throws {
        try await LifecycleFixture.with { fixture in
            let doomed = try await fixture.seed("a/", count: 1_500)
            let kept = try await fixture.seed("b/", count: 700) + fixture.seed("ab", count: 300)
            var options = DeleteOptions(batchSize: 400)
            var seen: [String] = []
            var calls = 0
            repeat {
                let result = try await fixture.derive.deleteResources(matching: .prefix("a/"), options: options)
                calls += 1
                #expect(result.partial == (result.nextCursor != nil))
                #expect(result.outcomes.count <= 400)
                for outcome in result.outcomes {
                    #expect(outcome.status == .deleted && outcome.originals == 1 && outcome.derived == 3)
                    #expect(result.deletedCounts[outcome.key.publicID]! == (1, 3))
                }
                seen += result.outcomes.map(\.key.publicID)
                options.cursor = result.nextCursor
            } while options.cursor != nil
            #expect(calls == 4)
            #expect(seen == doomed.map(\.0.key.publicID))  // each once, in public-id order
            #expect(try await fixture.listAll(ResourceQuery(prefix: "a/", maxResults: 500)).isEmpty)
            #expect(try await fixture.listAll(ResourceQuery(maxResults: 500)).count == 1_000)
            // No derivative row survives its original: the catalog references exactly the kept blobs.
            #expect(try await fixture.catalog.referencedBlobs() == LifecycleFixture.blobs(of: kept))
            #expect(fixture.blobFiles == LifecycleFixture.blobs(of: kept))  // reclaimed at once
            // One delete and one invalidate event per original, naming all of its URLs.
            // In the log in walk order (several multi-row inserts per batch), each `delete`
            // followed by its `invalidate`.
            let events = try await fixture.events()
            #expect(events.filter { $0.kind == .delete }.map(\.publicID) == doomed.map(\.0.key.publicID))
            #expect(events.map(\.sequence) == events.map(\.sequence).sorted())
            let lastDeletes = events.suffix(3_000)
            #expect(
                lastDeletes.map(\.kind)
                    == Array(repeating: [EventKind.delete, .invalidate], count: 1_500).flatMap { $0 })
            let invalidations = events.filter { $0.kind == .invalidate }
            #expect(invalidations.count == 1_500)
            let first = try #require(invalidations.first { $0.publicID == "a/00000" })
            #expect(
                Set(first.urls) == [
                    "/demo/image/upload/v1/a/00000.jpg", "/demo/image/upload/v1/a/00000",
                    "/demo/image/upload/c_scale,w_10/v1/a/00000.jpg", "/demo/image/upload/c_scale,w_20/v1/a/00000.webp",
                    "/demo/image/upload/c_fill,h_10,w_10/v1/a/00000.jpg",
                ])
            try await fixture.expectCleanAfterGC()
        }
    }

    @Test func deleteAllOfATypeTakes1000OriginalsPerCall() async throws {
        try await LifecycleFixture.with { fixture in
            try await fixture.seed("x/", count: 2_400, derivatives: 2)
            let privates = try await fixture.seed("x/", count: 50, type: "private")
            var options = DeleteOptions(type: "upload")
            var sizes: [Int] = []
            var partials: [Bool] = []
            repeat {
                let result = try await fixture.derive.deleteResources(matching: .all, options: options)
                sizes.append(result.outcomes.count)
                partials.append(result.partial)
                #expect(result.derivedDeleted == 2 * result.originalsDeleted)
                options.cursor = result.nextCursor
            } while options.cursor != nil
            #expect(sizes == [1_000, 1_000, 400])
            #expect(partials == [true, true, false])
            #expect(
                try await fixture.listAll(ResourceQuery(maxResults: 500)).map(\.key.type)
                    == Array(repeating: "private", count: 50))
            #expect(try await fixture.catalog.referencedBlobs() == LifecycleFixture.blobs(of: privates))
            try await fixture.expectCleanAfterGC()
        }
    }

    @Test func deleteByTagAcrossDeliveryTypesKeepsSharedBlobs() async throws {
        try await LifecycleFixture.with { fixture in
            let tagged: @Sendable (Int) -> [String] = { $0 % 3 == 0 ? ["t3", "other"] : ["other"] }
            let uploads = try await fixture.seed("p/", count: 1_200, tags: tagged)
            let privates = try await fixture.seed("q/", count: 300, type: "private", tags: tagged)
            var options = DeleteOptions(type: nil, batchSize: 250)
            var deleted = Set<String>()
            var batches = 0
            repeat {
                let result = try await fixture.derive.deleteResources(matching: .tag("t3"), options: options)
                batches += 1
                for outcome in result.outcomes { #expect(deleted.insert("\(outcome.key)").inserted) }
                options.cursor = result.nextCursor
            } while options.cursor != nil
            let expected = (uploads + privates).filter { $0.0.tags.contains("t3") }
            #expect(deleted == Set(expected.map { "\($0.0.key)" }))
            #expect(batches == 2)
            let remaining = (uploads + privates).filter { !$0.0.tags.contains("t3") }
            // Derivative blobs are shared by groups of ten: the untagged members keep them alive.
            #expect(try await fixture.catalog.referencedBlobs() == LifecycleFixture.blobs(of: remaining))
            #expect(fixture.blobFiles == LifecycleFixture.blobs(of: remaining))
            #expect(try await fixture.listAll(ResourceQuery(tag: "t3", maxResults: 500)).isEmpty)
            #expect(try await fixture.listAll(ResourceQuery(tag: "other", maxResults: 500)).count == remaining.count)
            try await fixture.expectCleanAfterGC()
        }
    }

    @Test func deleteByPublicIDsReportsEachOutcomeAndLimitsTo100() async throws {
        try await LifecycleFixture.with { fixture in
            let all = try await fixture.seed("i/", count: 1_000)
            let ids = stride(from: 0, to: 190, by: 2).map { all[$0].0.key.publicID } + ["i/missing1", "i/missing2"]
            let result = try await fixture.derive.deleteResources(publicIDs: ids)
            #expect(!result.partial && result.nextCursor == nil)
            #expect(result.outcomes.map(\.key.publicID) == ids)
            #expect(result.deleted.values.filter { $0 == .deleted }.count == 95)
            #expect(result.deleted["i/missing1"] == .notFound && result.deletedCounts["i/missing2"]! == (0, 0))
            #expect(result.deletedCounts["i/00000"]! == (1, 3))
            #expect(result.json.contains(#""i/missing1":"not_found""#) && result.json.contains(#""partial":false"#))
            let remaining = all.enumerated().filter { $0.offset >= 190 || $0.offset % 2 == 1 }.map(\.element)
            #expect(try await fixture.catalog.referencedBlobs() == LifecycleFixture.blobs(of: remaining))
            await #expect(throws: DeriveError.self) {
                try await fixture.derive.deleteResources(publicIDs: (0..<101).map { "i/\($0)" })
            }
            try await fixture.expectCleanAfterGC()
        }
    }

    @Test func keepOriginalAndTransformationFiltersDeleteOnlyDerivatives() async throws {
        try await LifecycleFixture.with { fixture in
            let all = try await fixture.seed("k/", count: 1_200)
            // keep_original over a prefix, walked in batches.
            var options = DeleteOptions(keepOriginal: true, batchSize: 500)
            var derived = 0
            var visited = 0
            repeat {
                let result = try await fixture.derive.deleteResources(matching: .prefix("k/00"), options: options)
                for outcome in result.outcomes { #expect(outcome.originals == 0 && outcome.status == .deleted) }
                derived += result.derivedDeleted
                visited += result.outcomes.count
                options.cursor = result.nextCursor
            } while options.cursor != nil
            #expect(visited == 1_000 && derived == 3_000, "visited \(visited) derived \(derived)")
            #expect(try await fixture.listAll(ResourceQuery(prefix: "k/", maxResults: 500)).count == 1_200)
            #expect(try await fixture.derive.resource(publicID: "k/00001")?.derived.isEmpty == true)
            #expect(try await fixture.derive.resource(publicID: "k/01001")?.derived.count == 3)
            // A transformation filter (eager syntax, with and without a format) deletes only those.
            let filtered = try await fixture.derive.deleteResources(
                publicIDs: ["k/01000", "k/01001"],
                options: DeleteOptions(transformations: ["w_10,c_scale/jpg|c_fill,w_10,h_10"]))
            #expect(filtered.outcomes.map(\.derived) == [2, 2] && filtered.originalsDeleted == 0)
            #expect(
                try await fixture.derive.resource(publicID: "k/01001")?.derived.map(\.transformation) == [
                    "c_scale,w_20"
                ])
            let events = try await fixture.events()
            #expect(events.filter { $0.kind == .derivedDeleted }.count == 1_002)
            #expect(events.filter { $0.kind == .delete }.isEmpty)
            #expect(events.filter { $0.kind == .invalidate }.count == 1_002)
            _ = all
            try await fixture.expectCleanAfterGC()
        }
    }

    @Test func deleteDerivedResourcesByID() async throws {
        try await LifecycleFixture.with { fixture in
            let all = try await fixture.seed("d/", count: 200)
            let ids = all.prefix(33).flatMap { $0.1.map(\.id) } + ["0123456789abcdef0123456789abcdef"]
            let statuses = try await fixture.derive.deleteDerivedResources(ids: ids)
            #expect(statuses.count == 100)
            #expect(statuses.values.filter { $0 == .deleted }.count == 99)
            #expect(statuses["0123456789abcdef0123456789abcdef"] == .notFound)
            #expect(try await fixture.derive.resource(publicID: "d/00032")?.derived.isEmpty == true)
            #expect(try await fixture.derive.resource(publicID: "d/00033")?.derived.count == 3)
            // d/00032 shares its derivative blobs with d/00033: still there.
            #expect(fixture.blobFiles.isSuperset(of: all[33].1.map(\.blob)))
            try await fixture.expectCleanAfterGC()
        }
    }

    @Test func destroyReportsOkAndNotFound() async throws {
        try await LifecycleFixture.with { fixture in
            try await fixture.seed("z/", count: 2)
            let gone = try await fixture.derive.destroy(publicID: "z/00000", invalidate: true)
            #expect(gone.status == .deleted && gone.originals == 1 && gone.derived == 3)
            let missing = try await fixture.derive.destroy(publicID: "z/00000")
            #expect(missing.status == .notFound && missing.originals == 0)
            let invalidate = try #require(try await fixture.events().last)
            #expect(invalidate.kind == .invalidate && invalidate.payload.contains(#""requested":true"#))
        }
    }
}
