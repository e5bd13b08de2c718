import Derive
import DeriveStore
import Foundation
import Synchronization
import Testing

/// Cursor walks (listings and bulk deletes) visit every original that exists for the whole walk
/// exactly once, while other tasks insert and delete originals all around the cursor.
@Suite struct CursorWalkTests {
    /// Stable originals `s/<even>` exist throughout; volatile `s/<odd>` are deleted during the walk;
    /// new ids (`s/<n>x`, sorting between the others, and newer by creation time) are inserted.
    func churn(_ fixture: LifecycleFixture, _ walk: @escaping @Sendable (LifecycleFixture) async throws -> [String])
        async throws
    {
        let seeded = try await fixture.seed("s/", count: 1_200, derivatives: 1) { _ in ["walk"] }
        let stable = Set(seeded.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.0.key.publicID))
        let volatile = seeded.enumerated().filter { $0.offset % 2 == 1 }.map(\.element.0.key.publicID)
        let done = Flag()
        let inserted = Flag()
        let visits = try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask {
                defer { done.set() }
                return try await walk(fixture)
            }
            group.addTask {
                // Concurrent deletes of the volatile originals, in random order.
                for id in volatile.shuffled() where !done.isSet {
                    try await fixture.derive.destroy(publicID: id)
                }
                return nil
            }
            group.addTask {
                // Concurrent inserts: ids sorting anywhere among the stable ones, newest by time.
                var index = 0
                while !done.isSet {
                    let id = "s/" + String(format: "%05d", Int.random(in: 0..<1_200)) + "x\(index)"
                    let record = ResourceRecord(
                        key: ResourceKey(publicID: id), version: 1, blob: try fixture.writeBlob(id), format: "png",
                        width: 1, height: 1, bytes: 1, createdAt: Date(), tags: ["walk"])
                    try await fixture.catalog.importResources([(record, [])])
                    index += 1
                    inserted.set()
                    await Task.yield()
                }
                return nil
            }
            var visits: [String] = []
            for try await result in group { if let result { visits = result } }
            return visits
        }
        #expect(inserted.isSet)
        #expect(Set(visits).count == visits.count, "an original was visited twice")
        #expect(stable.isSubset(of: visits), "a stable original was missed")
    }

    @Test func listingByPrefix() async throws {
        try await LifecycleFixture.with { fixture in
            try await churn(fixture) { fixture in
                try await Self.pages(fixture, ResourceQuery(prefix: "s/", maxResults: 37))
            }
        }
    }

    @Test func listingByCreationTimeDescending() async throws {
        try await LifecycleFixture.with { fixture in
            try await churn(fixture) { fixture in
                try await Self.pages(fixture, ResourceQuery(type: "upload", maxResults: 41))
            }
        }
    }

    @Test func listingByTagAscending() async throws {
        try await LifecycleFixture.with { fixture in
            try await churn(fixture) { fixture in
                try await Self.pages(fixture, ResourceQuery(tag: "walk", direction: .ascending, maxResults: 43))
            }
        }
    }

    @Test func bulkDeleteWalk() async throws {
        try await LifecycleFixture.with { fixture in
            try await churn(fixture) { fixture in
                var options = DeleteOptions(keepOriginal: true, batchSize: 47)
                var visits: [String] = []
                repeat {
                    let result = try await fixture.derive.deleteResources(matching: .prefix("s/"), options: options)
                    visits += result.outcomes.map(\.key.publicID)
                    options.cursor = result.nextCursor
                    try await Task.sleep(for: .milliseconds(2))
                } while options.cursor != nil
                return visits
            }
        }
    }

    @Test func aCursorFromAnotherKindOfListingIsRefused() async throws {
        try await LifecycleFixture.with { fixture in
            try await fixture.seed("c/", count: 30)
            let page = try await fixture.derive.listResources(ResourceQuery(prefix: "c/", maxResults: 10))
            let cursor = try #require(page.nextCursor)
            await #expect(throws: DeriveError.self) {
                try await fixture.derive.listResources(ResourceQuery(maxResults: 10, cursor: cursor))
            }
            await #expect(throws: DeriveError.self) {
                try await fixture.derive.listResources(ResourceQuery(maxResults: 10, cursor: "not a cursor!"))
            }
            await #expect(throws: DeriveError.self) {
                try await fixture.derive.listResources(ResourceQuery(maxResults: 501))
            }
        }
    }

    @Test func listingOrdersAndTags() async throws {
        try await LifecycleFixture.with { fixture in
            try await fixture.seed("o/", count: 25) { $0 % 5 == 0 ? ["five", "all"] : ["all"] }
            let newest = try await fixture.listAll(ResourceQuery(maxResults: 7))
            #expect(newest.map(\.key.publicID) == (0..<25).reversed().map { "o/" + String(format: "%05d", $0) })
            let oldest = try await fixture.listAll(ResourceQuery(direction: .ascending, maxResults: 7))
            #expect(oldest.map(\.key.publicID) == newest.map(\.key.publicID).reversed())
            let byID = try await fixture.listAll(ResourceQuery(prefix: "o/0001", maxResults: 3))
            #expect(byID.map(\.key.publicID) == (10..<20).map { "o/" + String(format: "%05d", $0) })
            let fives = try await fixture.listAll(ResourceQuery(tag: "five", maxResults: 2))
            #expect(fives.map(\.key.publicID) == ["o/00020", "o/00015", "o/00010", "o/00005", "o/00000"])
            #expect(fives.allSatisfy { $0.tags == ["all", "five"] })
            // Tags: add, remove, replace, exclusive, remove_all.
            let changed = try await fixture.derive.updateTags(
                .add, tags: ["new"], publicIDs: ["o/00001", "o/00002", "nope"])
            #expect(changed == ["o/00001", "o/00002"])
            try await fixture.derive.updateTags(.setExclusive, tags: ["new"], publicIDs: ["o/00003"])
            #expect(try await fixture.listAll(ResourceQuery(tag: "new")).map(\.key.publicID) == ["o/00003"])
            try await fixture.derive.updateTags(.replace, tags: ["only"], publicIDs: ["o/00003"])
            #expect(try await fixture.derive.resource(publicID: "o/00003")?.resource.tags == ["only"])
            try await fixture.derive.updateTags(.remove, tags: ["all"], publicIDs: ["o/00004"])
            #expect(try await fixture.derive.resource(publicID: "o/00004")?.resource.tags == [])
            try await fixture.derive.updateTags(.removeAll, publicIDs: ["o/00005"])
            #expect(try await fixture.derive.resource(publicID: "o/00005")?.resource.tags == [])
            let tags = try await fixture.derive.tags(maxResults: 10).tags
            #expect(tags == ["all", "five", "only"])
            await #expect(throws: DeriveError.self) {
                try await fixture.derive.updateTags(.add, tags: ["a,b"], publicIDs: ["o/00001"])
            }
        }
    }

    static func pages(_ fixture: LifecycleFixture, _ query: ResourceQuery) async throws -> [String] {
        var query = query
        var visits: [String] = []
        repeat {
            let page = try await fixture.derive.listResources(query)
            visits += page.resources.map(\.key.publicID)
            query.cursor = page.nextCursor
            try await Task.sleep(for: .milliseconds(2))
        } while query.cursor != nil
        return visits
    }
}

final class Flag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}
