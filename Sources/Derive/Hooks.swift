import DeriveStore
import Foundation
import Synchronization

/// Code that runs around every change to originals and derivatives. Implement the methods you need
/// (all have empty defaults) and register the hook with `Derive.addHook(_:)`.
///
/// Three phases, so a failing hook never leaves the catalog half-changed:
/// - **before** (`will…`): the change is planned, nothing is written yet. Throw to refuse it; the call
///   fails with `DeriveError.hookFailed` and nothing changes.
/// - **record**: inside the catalog transaction that makes the change, with exactly what it does
///   (including the derivatives a delete or overwrite cascades to). Return events to append to the
///   log in that transaction. Synchronous, no I/O; throwing rolls the whole change back.
/// - **after** (`did…`): the change is committed. Cannot fail the call. In-process and best-effort:
///   a crash can lose an after-hook call; the event log (`Derive.events`, webhooks) is the durable,
///   at-least-once record.
///
/// Derive's own event log and invalidation emitter are hooks too, registered before yours: they
/// see the same changes through `record(_:context:into:)`.
public protocol LifecycleHook: Sendable {
    /// Before a new original is stored.
    func willUpload(_ resource: ResourceRecord) async throws
    /// Before `existing` is replaced by a new version (its derivatives go with it).
    func willOverwrite(_ existing: ResourceRecord, with resource: ResourceRecord) async throws
    /// Before originals are deleted with every derivative.
    func willDelete(_ resources: [ResourceRecord]) async throws
    /// Before a rendered derivative is recorded (throwing fails the render).
    func willCreateDerived(_ derivative: DerivativeRecord) async throws
    /// Before derivatives are deleted while their originals stay.
    func willDeleteDerived(_ derivatives: [DerivativeRecord]) async throws

    /// Inside the transaction: append events describing `change` to `events`.
    func record(_ change: LifecycleChange, context: ChangeContext, into events: inout [EventDraft]) throws

    func didUpload(_ resource: ResourceRecord) async
    func didOverwrite(_ resource: ResourceRecord, previous: ResourceRecord, removed: [DerivativeRecord]) async
    /// After an original and `derivatives` (the cascade) were deleted.
    func didDelete(_ resource: ResourceRecord, derivatives: [DerivativeRecord]) async
    func didCreateDerived(_ derivative: DerivativeRecord) async
    func didDeleteDerived(_ derivatives: [DerivativeRecord], of resource: ResourceRecord) async
    /// A regeneration replaced a derivative's bytes (same id and URL).
    func didReplaceDerived(_ derivative: DerivativeRecord, previous: DerivativeRecord) async
    func didChangeTags(_ resource: ResourceRecord, previous: [String]) async
    /// `resource` is `previous` under a new public id or type; `removed` derivatives are gone.
    func didRename(_ resource: ResourceRecord, previous: ResourceRecord, removed: [DerivativeRecord]) async
}

extension LifecycleHook {
    public func willUpload(_ resource: ResourceRecord) async throws {}
    public func willOverwrite(_ existing: ResourceRecord, with resource: ResourceRecord) async throws {}
    public func willDelete(_ resources: [ResourceRecord]) async throws {}
    public func willCreateDerived(_ derivative: DerivativeRecord) async throws {}
    public func willDeleteDerived(_ derivatives: [DerivativeRecord]) async throws {}
    public func record(_ change: LifecycleChange, context: ChangeContext, into events: inout [EventDraft]) throws {}
    public func didUpload(_ resource: ResourceRecord) async {}
    public func didOverwrite(_ resource: ResourceRecord, previous: ResourceRecord, removed: [DerivativeRecord]) async {}
    public func didDelete(_ resource: ResourceRecord, derivatives: [DerivativeRecord]) async {}
    public func didCreateDerived(_ derivative: DerivativeRecord) async {}
    public func didRename(_ resource: ResourceRecord, previous: ResourceRecord, removed: [DerivativeRecord]) async {}
    public func didDeleteDerived(_ derivatives: [DerivativeRecord], of resource: ResourceRecord) async {}
    public func didReplaceDerived(_ derivative: DerivativeRecord, previous: DerivativeRecord) async {}
    public func didChangeTags(_ resource: ResourceRecord, previous: [String]) async {}
}

/// What the call that made a change asked for.
public struct ChangeContext: Sendable, Hashable {
    /// Why the change happened.
    public enum Operation: String, Sendable, Hashable {
        case upload, destroy, deleteResources = "delete_resources", deleteDerived = "delete_derived", eager, rename
        case render, namedTransformation = "named_transformation", tags, regenerate
    }

    public var operation: Operation
    /// The caller asked for CDN invalidation (Cloudinary's `invalidate=true`). Invalidation events
    /// are written either way (every stale URL is announced); this tells a purger what was asked.
    public var invalidate: Bool
    /// A per-call URL to notify (Cloudinary's `notification_url`).
    public var notificationURL: String?
    /// When the call started: the `timestamp` of the events it writes.
    public let time: Date
    /// `time` as ISO 8601, formatted once per call rather than once per event.
    let timestamp: String

    public init(operation: Operation, invalidate: Bool = false, notificationURL: String? = nil, time: Date = Date()) {
        self.operation = operation
        self.invalidate = invalidate
        self.notificationURL = notificationURL
        self.time = time
        self.timestamp = ISOTime.string(time)
    }
}

/// The registered hooks: Derive's built-in ones first, then the application's.
final class HookRegistry: Sendable {
    private let builtIn: [any LifecycleHook]
    private let added = Mutex<[any LifecycleHook]>([])

    init(builtIn: [any LifecycleHook]) { self.builtIn = builtIn }

    func add(_ hook: any LifecycleHook) { added.withLock { $0.append(hook) } }

    /// Application hooks (the built-in ones have no before/after phase).
    var user: [any LifecycleHook] { added.withLock { $0 } }
    var all: [any LifecycleHook] { builtIn + user }

    /// Runs a before-phase call on every application hook; the first error refuses the change.
    func before(_ body: (any LifecycleHook) async throws -> Void) async throws(DeriveError) {
        for hook in user {
            do { try await body(hook) } catch { throw .hookFailed(error) }
        }
    }

    /// A recorder for one call: every hook's `record`, in order. The changes (for the after
    /// phase) and the first error a hook throws (to report it instead of the catalog's wrapper) are
    /// kept in `box`.
    func recorder(_ context: ChangeContext, box: RecorderBox) -> ChangeRecorder {
        let hooks = all
        let keepChanges = !user.isEmpty
        return { changes in
            var events: [EventDraft] = []
            for change in changes {
                for hook in hooks {
                    do {
                        try hook.record(change, context: context, into: &events)
                    } catch {
                        box.fail(error)
                        throw error
                    }
                }
            }
            if keepChanges { box.keep(changes) }
            return events
        }
    }

    /// Runs the after phase for committed changes.
    func after(_ changes: [LifecycleChange]) async {
        let hooks = user
        guard !hooks.isEmpty else { return }
        for change in changes {
            for hook in hooks {
                switch change {
                case .uploaded(let resource): await hook.didUpload(resource)
                case .overwritten(let resource, let previous, let removed):
                    await hook.didOverwrite(resource, previous: previous, removed: removed)
                case .deleted(let resource, let derivatives): await hook.didDelete(resource, derivatives: derivatives)
                case .derivedCreated(let derivative, _): await hook.didCreateDerived(derivative)
                case .derivedReplaced(let derivative, let previous, _):
                    await hook.didReplaceDerived(derivative, previous: previous)
                case .derivedDeleted(let resource, let derivatives):
                    await hook.didDeleteDerived(derivatives, of: resource)
                case .tagsChanged(let resource, let previous): await hook.didChangeTags(resource, previous: previous)
                case .renamed(let resource, let previous, let removed):
                    await hook.didRename(resource, previous: previous, removed: removed)
                case .eagerCompleted: break
                }
            }
        }
    }
}

/// Carries the committed changes and a hook's error out of the catalog transaction.
final class RecorderBox: Sendable {
    private let state = Mutex<(error: (any Error)?, changes: [LifecycleChange])>((nil, []))
    func fail(_ error: any Error) { state.withLock { if $0.error == nil { $0.error = error } } }
    func keep(_ changes: [LifecycleChange]) { state.withLock { $0.changes += changes } }
    var error: (any Error)? { state.withLock { $0.error } }
    var changes: [LifecycleChange] { state.withLock { $0.changes } }
}
