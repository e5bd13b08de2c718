import Derive
import DeriveStore
import Foundation
import Synchronization
import Testing

/// Records what a hook saw; optionally refuses or fails.
final class RecordingHook: LifecycleHook {
    struct Refusal: Error {}
    let log = Mutex<[String]>([])
    let refuseDeletes: Bool
    let failRecordingFor: String?

    init(refuseDeletes: Bool = false, failRecordingFor: String? = nil) {
        self.refuseDeletes = refuseDeletes
        self.failRecordingFor = failRecordingFor
    }

    var entries: [String] { log.withLock { $0 } }
    private func note(_ entry: String) { log.withLock { $0.append(entry) } }

    func willUpload(_ resource: ResourceRecord) async throws { note("willUpload \(resource.key.publicID)") }
    func willOverwrite(_ existing: ResourceRecord, with resource: ResourceRecord) async throws {
        note("willOverwrite \(existing.key.publicID)")
    }
    func willDelete(_ resources: [ResourceRecord]) async throws {
        note("willDelete \(resources.map(\.key.publicID).joined(separator: ","))")
        if refuseDeletes { throw Refusal() }
    }
    func willCreateDerived(_ derivative: DerivativeRecord) async throws {
        note("willCreateDerived \(derivative.transformation)")
    }
    func willDeleteDerived(_ derivatives: [DerivativeRecord]) async throws {
        note("willDeleteDerived \(derivatives.count)")
    }

    func record(_ change: LifecycleChange, context: ChangeContext, into events: inout [EventDraft]) throws {
        if change.resource.key.publicID == failRecordingFor { throw Refusal() }
        // An application event, written in the same transaction as the change.
        if case .deleted(let resource, _) = change {
            events.append(
                EventDraft(
                    kind: "app.audit", key: resource.key, version: resource.version, payload: #"{"audit":"delete"}"#))
        }
    }

    func didUpload(_ resource: ResourceRecord) async { note("didUpload \(resource.key.publicID)") }
    func didOverwrite(_ resource: ResourceRecord, previous: ResourceRecord, removed: [DerivativeRecord]) async {
        note("didOverwrite \(resource.key.publicID) removed \(removed.count)")
    }
    func didDelete(_ resource: ResourceRecord, derivatives: [DerivativeRecord]) async {
        note("didDelete \(resource.key.publicID) with \(derivatives.count)")
    }
    func didCreateDerived(_ derivative: DerivativeRecord) async {
        note("didCreateDerived \(derivative.transformation)")
    }
    func didDeleteDerived(_ derivatives: [DerivativeRecord], of resource: ResourceRecord) async {
        note("didDeleteDerived \(derivatives.count) of \(resource.key.publicID)")
    }
    func didChangeTags(_ resource: ResourceRecord, previous: [String]) async {
        note("didChangeTags \(resource.key.publicID) \(previous) -> \(resource.tags)")
    }
}

@Suite struct HookTests {
    let coffee = LifecycleFixture.image("photo_coffee.png")

    @Test func hooksSeeEveryPhaseIncludingTheCascade() async throws {
        try await LifecycleFixture.with { fixture in
            let hook = RecordingHook()
            fixture.derive.addHook(hook)
            try await fixture.derive.upload(coffee, publicID: "h")
            _ = try await fixture.derive.render(publicID: "h", transformation: "w_10", format: "jpg")
            // A hit: no hooks.
            _ = try await fixture.derive.render(publicID: "h", transformation: "w_10", format: "jpg")
            try await fixture.derive.upload(coffee, options: UploadOptions(publicID: "h", tags: ["t"]))
            _ = try await fixture.derive.render(publicID: "h", transformation: "w_11", format: "jpg")
            _ = try await fixture.derive.deleteResources(publicIDs: ["h"], options: DeleteOptions(keepOriginal: true))
            _ = try await fixture.derive.render(publicID: "h", transformation: "w_12", format: "jpg")
            try await fixture.derive.updateTags(.add, tags: ["u"], publicIDs: ["h"])
            try await fixture.derive.delete(publicID: "h")
            #expect(
                hook.entries == [
                    "willUpload h", "didUpload h",
                    "willCreateDerived w_10", "didCreateDerived w_10",
                    "willOverwrite h", "didOverwrite h removed 1",
                    "willCreateDerived w_11", "didCreateDerived w_11",
                    "willDeleteDerived 1", "didDeleteDerived 1 of h",
                    "willCreateDerived w_12", "didCreateDerived w_12",
                    "didChangeTags h [\"t\"] -> [\"t\", \"u\"]",
                    "willDelete h", "didDelete h with 1",
                ])
            let kinds = try await fixture.events().map(\.kind.rawValue)
            #expect(kinds.suffix(3) == ["delete", "invalidate", "app.audit"])
        }
    }

    @Test func aRefusingHookLeavesEverythingAsItWas() async throws {
        try await LifecycleFixture.with { fixture in
            try await fixture.seed("r/", count: 30)
            let before = try await fixture.derive.lastEventSequence()
            fixture.derive.addHook(RecordingHook(refuseDeletes: true))
            await #expect(throws: DeriveError.self) {
                try await fixture.derive.deleteResources(matching: .prefix("r/"))
            }
            do {
                try await fixture.derive.destroy(publicID: "r/00001")
                Issue.record("the hook should have refused")
            } catch DeriveError.hookFailed(let error) {
                #expect(error is RecordingHook.Refusal)
            }
            #expect(try await fixture.listAll(ResourceQuery(maxResults: 100)).count == 30)
            #expect(try await fixture.derive.resource(publicID: "r/00001")?.derived.count == 3)
            #expect(try await fixture.derive.lastEventSequence() == before)
        }
    }

    @Test func aHookFailingInsideTheTransactionRollsTheWholeBatchBack() async throws {
        try await LifecycleFixture.with { fixture in
            let seeded = try await fixture.seed("f/", count: 50)
            fixture.derive.addHook(RecordingHook(failRecordingFor: "f/00037"))
            do {
                _ = try await fixture.derive.deleteResources(matching: .prefix("f/"))
                Issue.record("the batch should have failed")
            } catch DeriveError.hookFailed(let error) {
                #expect(error is RecordingHook.Refusal)
            }
            // Nothing of the batch was deleted: not f/00000, not the derivatives, not the blobs, no events.
            #expect(try await fixture.listAll(ResourceQuery(prefix: "f/", maxResults: 100)).count == 50)
            #expect(try await fixture.catalog.referencedBlobs() == LifecycleFixture.blobs(of: seeded))
            #expect(fixture.blobFiles == LifecycleFixture.blobs(of: seeded))
            #expect(try await fixture.derive.lastEventSequence() == 0)
            // An upload the hook fails for is not stored either, and its blob does not linger.
            await #expect(throws: DeriveError.self) {
                try await fixture.derive.upload(coffee, publicID: "f/00037")
            }
            #expect(try await fixture.derive.resource(publicID: "f/00037")?.resource.format == "jpg")
            #expect(fixture.blobFiles == LifecycleFixture.blobs(of: seeded))
        }
    }
}
