import Foundation

/// Which originals a regeneration walks: ``ResourceSelection`` plus an explicit list of public ids.
public struct RegenerationWalk: Sendable, Hashable, Codable {
    public enum Selection: Sendable, Hashable, Codable {
        case all
        case prefix(String)
        case tag(String)
        /// These public ids, in the order given (duplicates removed).
        case publicIDs([String])
    }

    public var resourceType: String
    /// The delivery type; nil walks every type (`publicIDs` uses `upload` when nil).
    public var type: String?
    public var selection: Selection

    public init(resourceType: String = "image", type: String? = nil, selection: Selection) {
        self.resourceType = resourceType
        self.type = type
        self.selection = selection
    }
}

/// The state of a regeneration job.
public enum RegenerationJobState: String, Sendable, Hashable, Codable {
    /// Batches remain to be claimed or finished.
    case running
    /// Every batch finished.
    case done
    /// Cancelled: nothing more is claimed.
    case cancelled
}

/// A regeneration job as the catalog checkpoints it.
public struct RegenerationJobRecord: Sendable, Hashable {
    public var id: String
    /// The request, as JSON (the library's `RegenerationRequest`); opaque to the catalog.
    public var request: String
    /// Identifies the request: the same request finds its unfinished job.
    public var requestKey: String
    public var state: RegenerationJobState
    /// The keyset position of the walk: the next batch starts after it (nil: at the start).
    public var position: String?
    /// True when the walk has handed out its last batch.
    public var exhausted: Bool
    /// Batches handed out so far.
    public var batches: Int
    /// Renders stored (new or replaced derivatives), renders that gave identical bytes, failures,
    /// items skipped (nothing to do), bytes stored.
    public var rendered: Int
    public var unchanged: Int
    public var failed: Int
    public var skipped: Int
    public var bytes: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, request: String, requestKey: String, state: RegenerationJobState, position: String?,
        exhausted: Bool, batches: Int, rendered: Int, unchanged: Int, failed: Int, skipped: Int, bytes: Int,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.request = request
        self.requestKey = requestKey
        self.state = state
        self.position = position
        self.exhausted = exhausted
        self.batches = batches
        self.rendered = rendered
        self.unchanged = unchanged
        self.failed = failed
        self.skipped = skipped
        self.bytes = bytes
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A batch of originals claimed by one owner (a process), with the items of the job already
/// finished among them (by anyone, in any earlier run).
public struct RegenerationBatch: Sendable, Hashable {
    public var job: String
    public var number: Int
    public var keys: [ResourceKey]
    /// Item ids (derivative ids) of this job already recorded: render none of them again.
    public var finishedItems: Set<String>
    /// True when the batch was taken over from an owner whose lease expired or who is gone.
    public var takenOver: Bool

    public init(job: String, number: Int, keys: [ResourceKey], finishedItems: Set<String>, takenOver: Bool) {
        self.job = job
        self.number = number
        self.keys = keys
        self.finishedItems = finishedItems
        self.takenOver = takenOver
    }
}

/// What a claim got.
public enum RegenerationClaim: Sendable, Hashable {
    case batch(RegenerationBatch)
    /// Nothing left to claim, but batches are still open: `held` of them leased by other owners
    /// (the rest by this owner's other workers).
    case waiting(held: Int)
    /// The job is over (done or cancelled).
    case finished(RegenerationJobState)
}

/// How one item of a job ended.
public enum RegenerationItemStatus: String, Sendable, Hashable, Codable {
    /// A new or replaced derivative was stored.
    case rendered
    /// The render gave the stored bytes: nothing changed (the row's fingerprint is brought up to date).
    case unchanged
    case failed
}

/// A failed item of a job.
public struct RegenerationFailure: Sendable, Hashable {
    public var item: String
    /// `public_id transformation format`.
    public var label: String
    public var error: String

    public init(item: String, label: String, error: String) {
        self.item = item
        self.label = label
        self.error = error
    }
}

/// Who is doing an item: the job, the claimed batch, the owner, and how long the lease is renewed for.
public struct RegenerationLease: Sendable, Hashable {
    public var job: String
    public var batch: Int
    public var owner: String
    public var seconds: Double

    public init(job: String, batch: Int, owner: String, seconds: Double) {
        self.job = job
        self.batch = batch
        self.owner = owner
        self.seconds = seconds
    }
}

/// What storing a re-rendered derivative did.
public enum RegenerationWrite: Sendable, Hashable {
    /// There was no such derivative: it was created.
    case created(DerivativeRecord)
    /// The bytes differed: the row now points at the new blob (same id and URL).
    case replaced(DerivativeRecord, previous: DerivativeRecord)
    /// Same bytes: nothing changed but the row's renderer fingerprint.
    case unchanged(DerivativeRecord)
    /// Another owner already recorded this item for the job: nothing was written.
    case alreadyDone
}
