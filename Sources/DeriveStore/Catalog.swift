import Foundation

/// The index of originals, derivatives, tags, named transformations and the event log.
///
/// Uniqueness, version order, cascades and cursors live in the catalog's own constraints and
/// transactions, so several processes (or nodes) sharing one catalog stay correct without
/// in-process locks. Every mutating call takes a ``ChangeRecorder``: it is called inside the
/// transaction with the committed changes, and the events it returns are appended in that same
/// transaction.
public protocol Catalog: Sendable {
    // MARK: Originals

    func resource(_ key: ResourceKey) async throws(StoreError) -> ResourceRecord?

    /// The originals that exist among `keys`, in the order given.
    func resources(_ keys: [ResourceKey]) async throws(StoreError) -> [ResourceRecord]

    /// Stores an original. If the key exists and `overwrite` is true, the record is replaced by a
    /// new version (strictly greater than the old one) and the old version's derivatives are
    /// deleted in the same transaction; with `overwrite` false the existing record is kept.
    /// On overwrite, empty `record.tags` keep the existing tags; other tags replace them.
    func saveResource(_ record: ResourceRecord, overwrite: Bool, recorder: @escaping ChangeRecorder)
        async throws(StoreError) -> SaveOutcome

    /// One page of a listing (see ``ResourceQuery`` for order and cursor guarantees).
    func listResources(_ query: ResourceQuery) async throws(StoreError) -> ResourcePage

    /// The next batch of at most `limit` originals of a bulk walk, after `cursor` (a previous
    /// batch's `nextCursor`).
    func selectResources(
        resourceType: String, type: String?, _ selection: ResourceSelection, after cursor: String?, limit: Int
    ) async throws(StoreError) -> ResourceBatch

    // MARK: Derivatives

    func derivative(
        _ key: ResourceKey, version: Int, transformation: String, format: String
    ) async throws(StoreError) -> DerivativeRecord?

    /// Records a derivative. Returns the stored row: the given one, or the one another writer
    /// stored first for the same key. Throws `.resourceGone` when that version of the original no
    /// longer exists (a derivative never outlives its original's version). `namedTransformations`
    /// are the `t_` names it uses, so deleting one of them finds it.
    func insertDerivative(
        _ record: DerivativeRecord, namedTransformations: [String], recorder: @escaping ChangeRecorder
    )
        async throws(StoreError) -> DerivativeRecord

    func derivatives(of key: ResourceKey) async throws(StoreError) -> [DerivativeRecord]

    /// The derivatives with these ids that exist.
    func derivatives(ids: [String]) async throws(StoreError) -> [DerivativeRecord]

    // MARK: Deletes

    /// Deletes, in one transaction, each original of `keys` with every derivative (or, with
    /// `keepOriginal` or a `filter`, only its derivatives, or those matching the filter).
    /// Returns one outcome per distinct key, in first-seen order; a missing original has a nil `resource`.
    func deleteResources(
        _ keys: [ResourceKey], keepOriginal: Bool, filter: [DerivedFilter]?, recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> [ResourceDeletion]

    /// The next batch of a bulk walk (as ``selectResources(resourceType:type:_:after:limit:)``
    /// selects it) deleted as ``deleteResources(_:keepOriginal:filter:recorder:)`` deletes keys,
    /// with the cursor that continues the walk.
    func deleteResources(
        resourceType: String, type: String?, _ selection: ResourceSelection, after cursor: String?, limit: Int,
        keepOriginal: Bool, filter: [DerivedFilter]?, recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> (deletions: [ResourceDeletion], nextCursor: String?)

    /// Deletes derivatives by id in one transaction; returns those that existed.
    func deleteDerivatives(ids: [String], recorder: @escaping ChangeRecorder) async throws(StoreError)
        -> [DerivativeRecord]

    /// Finishes index upkeep the delete path defers (SQLite: stale lookup entries); garbage
    /// collection calls it. Returns the stale entries removed; 0 where nothing is deferred.
    func compactLookups() async throws(StoreError) -> Int

    // MARK: Tags

    /// Applies a tag command to the originals of `keys` (and, for `setExclusive`, to every other
    /// original of the same resource type and delivery type); returns the keys whose tags changed.
    func updateTags(_ command: TagCommand, tags: [String], keys: [ResourceKey], recorder: @escaping ChangeRecorder)
        async throws(StoreError) -> [ResourceKey]

    /// Distinct tags in use for a resource type, sorted, after `cursor`.
    func listTags(resourceType: String, prefix: String?, after cursor: String?, limit: Int)
        async throws(StoreError) -> (tags: [String], nextCursor: String?)

    // MARK: Named transformations

    func namedTransformations(_ names: Set<String>) async throws(StoreError) -> [String: NamedTransformationRecord]

    /// Named transformations sorted by name, after `cursor` (a name).
    func listNamedTransformations(after cursor: String?, limit: Int)
        async throws(StoreError) -> [NamedTransformationRecord]

    /// Creates a named transformation; throws `.conflict` when the name exists.
    func createNamedTransformation(_ record: NamedTransformationRecord) async throws(StoreError)

    /// Changes a definition and/or `allowedForStrict`. With `deleteDerived`, derivatives that use
    /// the name are deleted in the same transaction. Returns nil when the name does not exist.
    func updateNamedTransformation(
        _ name: String, definition: String?, allowedForStrict: Bool?, deleteDerived: Bool,
        recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> (record: NamedTransformationRecord, deleted: [ResourceDeletion])?

    /// Gives an original a new key (and type) in one transaction; its derivatives are deleted. An
    /// existing original at `to` is deleted first with `overwrite`, else `conflict`.
    func renameResource(_ from: ResourceKey, to: ResourceKey, overwrite: Bool, recorder: @escaping ChangeRecorder)
        async throws(StoreError) -> RenameOutcome

    /// Changes the contextual metadata of the originals among `keys`; returns the keys found.
    func updateContext(_ command: ContextCommand, context: [String: String], keys: [ResourceKey])
        async throws(StoreError) -> [ResourceKey]

    /// Records `changes` that touched no row (e.g. background eager renders finishing): their
    /// events are appended in one transaction.
    func recordChanges(_ changes: [LifecycleChange], recorder: @escaping ChangeRecorder) async throws(StoreError)

    /// Deletes a named transformation and every derivative using it, in one transaction.
    func deleteNamedTransformation(_ name: String, recorder: @escaping ChangeRecorder)
        async throws(StoreError) -> (record: NamedTransformationRecord, deleted: [ResourceDeletion])?

    /// How many derivatives use the name.
    func derivativeCount(usingNamed name: String) async throws(StoreError) -> Int

    /// The ids of the derivatives that use the name.
    func derivativeIDs(usingNamed name: String) async throws(StoreError) -> [String]

    // MARK: Events and subscriptions

    /// Up to `limit` events after `sequence`, oldest first; `notificationsOnly` keeps events with
    /// a per-call notification URL.
    func events(after sequence: Int64, limit: Int, notificationsOnly: Bool) async throws(StoreError) -> [EventRecord]

    /// The newest sequence number (0 for an empty log).
    func lastEventSequence() async throws(StoreError) -> Int64

    /// Deletes events with `sequence <= through` that are older than `before`; returns how many.
    func pruneEvents(through sequence: Int64, before: Date) async throws(StoreError) -> Int

    /// Takes (or renews) the lease on a named subscription's position. Returns the position when
    /// `owner` holds the lease, nil when another owner does. A new subscription starts at `initial`.
    func claimSubscription(_ name: String, owner: String, leaseSeconds: Double, initial: Int64)
        async throws(StoreError) -> Int64?

    /// Moves the position forward (never back) while `owner` holds the lease, and renews it.
    /// Returns false when the lease was lost.
    func advanceSubscription(_ name: String, owner: String, to sequence: Int64, leaseSeconds: Double)
        async throws(StoreError) -> Bool

    /// Gives the lease up so another owner can take over at once.
    func releaseSubscription(_ name: String, owner: String) async throws(StoreError)

    /// Every subscription's position.
    func subscriptionPositions() async throws(StoreError) -> [String: Int64]

    func recordDeliveryFailure(_ failure: DeliveryFailure) async throws(StoreError)

    func deliveryFailures(subscription: String?, limit: Int) async throws(StoreError) -> [DeliveryFailure]

    // MARK: Blobs

    /// Whether any original or derivative points at `hash`.
    func isReferenced(_ hash: String) async throws(StoreError) -> Bool

    /// The hashes among `hashes` that some row points at.
    func referencedAmong(_ hashes: [String]) async throws(StoreError) -> Set<String>

    /// Distinct referenced hashes, a page at a time in the catalog's own stable order: pass the last
    /// hash of a page as `cursor` for the next. A page may exceed `limit` slightly (it ends on a
    /// key boundary); an empty page ends the walk.
    func referencedBlobs(after cursor: String?, limit: Int) async throws(StoreError) -> [String]

    /// Which rows point at `hash`.
    func references(to hash: String) async throws(StoreError) -> BlobReferences

    /// Counts and bytes of originals and derivatives.
    func usage() async throws(StoreError) -> CatalogUsage

    /// Each existing original's derivative count and bytes (missing keys are left out).
    func derivativeStats(of keys: [ResourceKey]) async throws(StoreError) -> [ResourceKey: DerivativeStats]

    /// The canonical transformations with derivatives of `resourceType`, most used first.
    func transformationUsage(resourceType: String, limit: Int) async throws(StoreError) -> [TransformationUsage]

    /// A page (1...500) of the derivatives with canonical `transformation`, oldest row first; pass
    /// `nextCursor` to continue (nil: the last page).
    func derivatives(transformation: String, resourceType: String, after cursor: Int64?, limit: Int)
        async throws(StoreError) -> (derivatives: [DerivativeRecord], nextCursor: Int64?)

    /// Throws unless the catalog answers a read now (a health check).
    func ping() async throws(StoreError)

    // MARK: Regeneration jobs (checkpointed, shared by every process on the catalog)

    /// The unfinished (running) job with `requestKey`, else a new job `id` for `request`.
    /// Returns the job and whether it was an existing one.
    func startRegenerationJob(id: String, request: String, requestKey: String)
        async throws(StoreError) -> (job: RegenerationJobRecord, resumed: Bool)

    func regenerationJob(_ id: String) async throws(StoreError) -> RegenerationJobRecord?

    /// Jobs, newest first.
    func regenerationJobs(limit: Int) async throws(StoreError) -> [RegenerationJobRecord]

    /// Marks a running job cancelled (nothing more is claimed); returns it, or nil when unknown.
    func cancelRegenerationJob(_ id: String) async throws(StoreError) -> RegenerationJobRecord?

    /// In one write transaction: takes over a batch whose owner's lease expired (or whom
    /// `ownerIsGone` says is gone), else hands out the next `batchSize` originals of `walk` after
    /// the job's position and moves the position on. Marks the job done when nothing is left.
    func claimRegenerationBatch(
        job: String, walk: RegenerationWalk, owner: String, leaseSeconds: Double, batchSize: Int,
        ownerIsGone: @escaping @Sendable (String) -> Bool
    ) async throws(StoreError) -> RegenerationClaim

    /// Marks a claimed batch finished, adding `skipped` to the job's count.
    func finishRegenerationBatch(_ lease: RegenerationLease, skipped: Int) async throws(StoreError)

    /// Gives a claimed batch back unfinished (cancelled run): anyone may claim it at once.
    func releaseRegenerationBatch(_ lease: RegenerationLease) async throws(StoreError)

    /// Stores a re-rendered derivative and records the item done for the job, in one transaction
    /// (the blob is written before): a new derivative is inserted, different bytes replace the
    /// row's blob (a `derivedReplaced` change), identical bytes only update its fingerprint.
    /// Renews the batch's lease.
    func storeRegenerated(
        _ record: DerivativeRecord, namedTransformations: [String], lease: RegenerationLease, label: String,
        recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> RegenerationWrite

    /// Records a failed item for the job (not retried by a resumed run).
    func recordRegenerationFailure(_ lease: RegenerationLease, item: String, label: String, error: String)
        async throws(StoreError)

    func regenerationFailures(job: String, limit: Int) async throws(StoreError) -> [RegenerationFailure]

    // MARK: Delivery caching

    /// Numbers that change, at the latest when the transaction commits, with every write that
    /// can change what a delivery URL answers, made by any process or node sharing the catalog
    /// (``DeliveryGeneration``); adding a derivative need not change them. A cache of delivery
    /// answers holds while they are unchanged. Nil: the catalog cannot answer this cheaply, so
    /// nothing may be cached. Called on every request: it must be fast and must not block on a
    /// writer.
    func deliveryGeneration() throws(StoreError) -> DeliveryGeneration?
}

/// The catalog's two delivery counters. `changes` advances with every write that can change an
/// answer given for an existing original (overwrite, delete, rename, tags, named transformations);
/// `creations` with every upload of a new public id, which can change only answers given because
/// an original was missing (a `d_` default image). So uploads under load leave every other
/// remembered answer valid.
public struct DeliveryGeneration: Sendable, Hashable {
    public var changes: Int64
    public var creations: Int64

    public init(changes: Int64, creations: Int64) {
        self.changes = changes
        self.creations = creations
    }
}

extension Catalog {
    public func deliveryGeneration() throws(StoreError) -> DeliveryGeneration? { nil }

    public func saveResource(_ record: ResourceRecord, overwrite: Bool) async throws(StoreError) -> SaveOutcome {
        try await saveResource(record, overwrite: overwrite, recorder: recordNothing)
    }

    public func insertDerivative(_ record: DerivativeRecord) async throws(StoreError) -> DerivativeRecord {
        try await insertDerivative(record, namedTransformations: [], recorder: recordNothing)
    }

    /// Selects the batch, then deletes it in a second transaction. A catalog that can select and
    /// delete in one transaction should (the SQLite catalog does).
    public func deleteResources(
        resourceType: String, type: String?, _ selection: ResourceSelection, after cursor: String?, limit: Int,
        keepOriginal: Bool, filter: [DerivedFilter]?, recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> (deletions: [ResourceDeletion], nextCursor: String?) {
        let batch = try await selectResources(
            resourceType: resourceType, type: type, selection, after: cursor, limit: limit)
        let deletions = try await deleteResources(
            batch.keys, keepOriginal: keepOriginal, filter: filter, recorder: recorder)
        return (deletions.filter { $0.resource != nil }, batch.nextCursor)
    }

    /// Deletes an original and every derivative of it in one transaction; nil when absent.
    public func deleteResource(_ key: ResourceKey, recorder: @escaping ChangeRecorder = recordNothing)
        async throws(StoreError) -> DeletedResource?
    {
        let outcome = try await deleteResources([key], keepOriginal: false, filter: nil, recorder: recorder)
        guard let first = outcome.first, let resource = first.resource else { return nil }
        return DeletedResource(resource: resource, derivatives: first.derivatives)
    }

    /// Every blob hash some row points at (reads the whole index: for tests and small stores).
    public func referencedBlobs() async throws(StoreError) -> Set<String> {
        var all = Set<String>()
        var cursor: String?
        while true {
            let page = try await referencedBlobs(after: cursor, limit: 10_000)
            guard let last = page.last else { return all }
            all.formUnion(page)
            cursor = last
        }
    }
}

/// What `saveResource` did.
public struct SaveOutcome: Sendable, Hashable {
    /// The record now in the catalog (the new one, or the kept one when not overwriting).
    public var stored: ResourceRecord
    /// The record it replaced, if any.
    public var replaced: ResourceRecord?
    /// Derivatives of the replaced version, deleted with it.
    public var removedDerivatives: [DerivativeRecord]
    /// True when a record existed and `overwrite` was false, so nothing changed.
    public var keptExisting: Bool

    public init(
        stored: ResourceRecord, replaced: ResourceRecord?, removedDerivatives: [DerivativeRecord], keptExisting: Bool
    ) {
        self.stored = stored
        self.replaced = replaced
        self.removedDerivatives = removedDerivatives
        self.keptExisting = keptExisting
    }

    /// Blobs the change stopped pointing at (candidates for reclaiming).
    public var releasedBlobs: Set<String> {
        var blobs = Set(removedDerivatives.map(\.blob))
        if let replaced { blobs.insert(replaced.blob) }
        blobs.remove(stored.blob)
        return blobs
    }
}

/// What a cascade delete removed.
public struct DeletedResource: Sendable, Hashable {
    public var resource: ResourceRecord
    public var derivatives: [DerivativeRecord]

    public init(resource: ResourceRecord, derivatives: [DerivativeRecord]) {
        self.resource = resource
        self.derivatives = derivatives
    }

    public var releasedBlobs: Set<String> { Set(derivatives.map(\.blob)).union([resource.blob]) }
}

extension StoreError {
    /// The original (at that version) was deleted or replaced while a derivative was rendered.
    public static func resourceGone(_ key: ResourceKey, version: Int) -> StoreError {
        .database("resource \(key) version \(version) no longer exists")
    }
}
