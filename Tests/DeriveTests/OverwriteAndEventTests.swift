import Derive
import DeriveStore
import Foundation
import Testing

/// Versions, overwrite invalidation, the event log and its AsyncSequence (real uploads and renders).
@Suite struct OverwriteAndEventTests {
    let coffee = LifecycleFixture.image("photo_coffee.png")
    let chelsea = LifecycleFixture.image("photo_chelsea.png")

    @Test func overwriteMakesANewVersionDropsDerivativesAndInvalidatesTheirURLsOnce() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            let v1 = try await derive.upload(coffee, options: UploadOptions(publicID: "shop/coffee", tags: ["a"]))
            _ = try await derive.render(publicID: "shop/coffee", transformation: "c_fill,w_30,h_20", format: "jpg")
            _ = try await derive.render(publicID: "shop/coffee", transformation: "w_40", format: "webp")
            let before = try await fixture.derive.lastEventSequence()
            let v2 = try await derive.upload(
                chelsea, options: UploadOptions(publicID: "shop/coffee", invalidate: true))
            #expect(v2.overwritten && v2.resource.version > v1.resource.version)
            #expect(v2.resource.tags == ["a"])  // empty tags on overwrite keep the existing ones
            let details = try #require(try await derive.resource(publicID: "shop/coffee"))
            #expect(details.derived.isEmpty && details.resource.format == "png" && details.resource.width == 451)
            #expect(fixture.blobFiles == [v2.resource.blob])  // old original and derivative blobs reclaimed

            let events = try await fixture.events().filter { $0.sequence > before }
            #expect(events.map(\.kind) == [.overwrite, .invalidate])
            let invalidate = events[1]
            #expect(invalidate.version == v1.resource.version && invalidate.publicID == "shop/coffee")
            #expect(
                Set(invalidate.urls) == [
                    "/demo/image/upload/v1/shop/coffee.png", "/demo/image/upload/v1/shop/coffee",
                    "/demo/image/upload/c_fill,h_20,w_30/v1/shop/coffee.jpg",
                    "/demo/image/upload/w_40/v1/shop/coffee.webp",
                ])
            #expect(
                invalidate.payload.contains(#""requested":true"#)
                    && invalidate.payload.contains(#""reason":"overwrite""#))
            let overwrite = try #require(events[0].payloadObject)
            #expect(overwrite["notification_type"] as? String == "upload" && overwrite["overwritten"] as? Bool == true)
            #expect(overwrite["version"] as? Int == v2.resource.version)
            #expect(overwrite["url"] as? String == "/demo/image/upload/v\(v2.resource.version)/shop/coffee.png")

            let kept = try await derive.upload(
                coffee, options: UploadOptions(publicID: "shop/coffee", overwrite: false))
            #expect(kept.existing && kept.resource.version == v2.resource.version)
            #expect(try await fixture.events().count == events.count + Int(before))  // nothing happened
            #expect(fixture.blobFiles == [v2.resource.blob])
        }
    }

    @Test func versionedAndUnversionedInvalidationPolicies() async throws {
        for versioned in [false, true] {
            try await LifecycleFixture.with(configure: {
                $0.lifecycle.invalidateVersionedURLs = versioned
                $0.lifecycle.deliveryBaseURL = "https://img.example.com"
            }) { fixture in
                let first = try await fixture.derive.upload(coffee, publicID: "plain")
                _ = try await fixture.derive.render(publicID: "plain", transformation: "w_10", format: "jpg")
                try await fixture.derive.delete(publicID: "plain")
                let invalidate = try #require(try await fixture.events().last)
                let v = versioned ? "v\(first.resource.version)/" : ""
                #expect(
                    Set(invalidate.urls) == [
                        "https://img.example.com/demo/image/upload/\(v)plain.png",
                        "https://img.example.com/demo/image/upload/\(v)plain",
                        "https://img.example.com/demo/image/upload/w_10/\(v)plain.jpg",
                    ])
            }
        }
    }

    @Test func theEventStreamDeliversCommittedEventsInOrderAndResumes() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            let received = try await withThrowingTaskGroup(of: [DeriveEvent].self) { group in
                group.addTask {
                    var events: [DeriveEvent] = []
                    for try await event in derive.events(after: 0) {
                        events.append(event)
                        if event.kind == .invalidate { break }
                    }
                    return events
                }
                try await Task.sleep(for: .milliseconds(50))
                try await derive.upload(coffee, publicID: "s")
                _ = try await derive.render(publicID: "s", transformation: "w_12", format: "png")
                try await derive.delete(publicID: "s")
                return try await group.next()!
            }
            #expect(received.map(\.kind) == [.upload, .derivedCreated, .delete, .invalidate])
            #expect(received.map(\.sequence) == [1, 2, 3, 4])
            let created = try #require(received[1].payloadObject?["derived"] as? [[String: Any]])
            #expect(created.first?["url"] as? String == "/demo/image/upload/w_12/v\(received[0].version!)/s.png")
            // Resuming after a position gives what followed it; kinds filter.
            var resumed: [Int64] = []
            for try await event in derive.events(after: 2, follow: false) { resumed.append(event.sequence) }
            #expect(resumed == [3, 4])
            var deletes: [EventKind] = []
            for try await event in derive.events(after: 0, kinds: [.delete], follow: false) {
                deletes.append(event.kind)
            }
            #expect(deletes == [.delete])
            #expect(received[3].jsonLine.hasPrefix(#"{"seq":4,"#) && received[3].jsonLine.contains(#""urls":["#))
        }
    }

    @Test func aStreamEndsWhenItsTaskIsCancelledOrDeriveShutsDown() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("derive-es-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let derive = try await Derive.open(Configuration(dataDirectory: directory))
        let cancelled = Task {
            var count = 0
            for try await _ in derive.events() { count += 1 }
            return count
        }
        let received = Flag()
        let endedByShutdown = Task {
            var count = 0
            for try await _ in derive.events() {
                count += 1
                received.set()
            }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        cancelled.cancel()
        #expect(try await cancelled.value == 0)
        try await derive.upload(coffee, publicID: "one")
        try await waitUntil("the event arrives") { received.isSet }
        await derive.shutdown()
        #expect(try await endedByShutdown.value == 1)
    }

    @Test func namedTransformationsRenderUpdateAndCascadeOnDelete() async throws {
        try await LifecycleFixture.with { fixture in
            let derive = fixture.derive
            try await derive.upload(coffee, publicID: "n/one")
            try await derive.createNamedTransformation("thumb", definition: "w_20,c_scale")
            try await derive.createNamedTransformation("tiny", definition: "t_thumb/w_10")
            await #expect(throws: DeriveError.self) {
                try await derive.createNamedTransformation("thumb", definition: "w_1")
            }
            await #expect(throws: DeriveError.self) {
                try await derive.createNamedTransformation("a.b", definition: "w_1")
            }
            await #expect(throws: DeriveError.self) {
                try await derive.createNamedTransformation("x", definition: "t_missing")
            }

            let thumb = try await derive.render(publicID: "n/one", transformation: "t_thumb", format: "jpg")
            #expect(thumb.derivative?.width == 20 && thumb.derivative?.transformation == "t_thumb")
            let viaURL = try await derive.render(deliveryPath: "/demo/image/upload/t_tiny/v1/n/one.png")
            #expect(viaURL.derivative?.width == 10)
            _ = try await derive.render(publicID: "n/one", transformation: "w_15", format: "jpg")
            #expect(try await derive.derivativeCount(usingNamed: "thumb") == 2)  // t_thumb and t_tiny (nested)
            #expect(try await derive.namedTransformations().map(\.name) == ["thumb", "tiny"])

            // unsafe_update semantics: the stored derivative stays unless deleteDerived.
            try await derive.updateNamedTransformation("thumb", definition: "w_25")
            #expect(
                try await derive.render(publicID: "n/one", transformation: "t_thumb", format: "jpg").derivative?.width
                    == 20)
            try await derive.updateNamedTransformation("thumb", definition: "w_25", deleteDerived: true)
            #expect(
                try await derive.render(publicID: "n/one", transformation: "t_thumb", format: "jpg").derivative?.width
                    == 25)
            // That also deleted t_tiny's derivative (it nests t_thumb); render it again.
            #expect(try await derive.render(deliveryPath: "/demo/image/upload/t_tiny/v1/n/one.png").hit == false)

            let before = try await derive.lastEventSequence()
            #expect(try await derive.deleteNamedTransformation("tiny") == 1)
            #expect(
                try await derive.resource(publicID: "n/one")?.derived.map(\.transformation).sorted() == [
                    "t_thumb", "w_15",
                ])
            let events = try await fixture.events().filter { $0.sequence > before }
            #expect(events.map(\.kind) == [.derivedDeleted, .invalidate])
            #expect(events[1].urls == ["/demo/image/upload/t_tiny/v1/n/one.png"])
            await #expect(throws: DeriveError.self) {
                try await derive.render(publicID: "n/one", transformation: "t_tiny", format: "jpg")
            }
            await #expect(throws: DeriveError.self) { try await derive.deleteNamedTransformation("tiny") }
            try await fixture.expectCleanAfterGC()
        }
    }
}
