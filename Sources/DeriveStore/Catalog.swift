import Foundation

/// The index of originals and derivatives. Uniqueness, version order and cascades live in the
/// catalog's own constraints and transactions, so several processes sharing one catalog stay
/// correct without in-process locks.
public protocol Catalog: Sendable {
    func resource(_ key: ResourceKey) async throws(StoreError) -> ResourceRecord?

    /// Stores an original. If the key exists and `overwrite` is true, the record is replaced by a
    /// new version (strictly greater than the old one) and the old version's derivatives are
    /// deleted in the same transaction; with `overwrite` false the existing record is kept.
    func saveResource(_ record: ResourceRecord, overwrite: Bool) async throws(StoreError) -> SaveOutcome

    func derivative(
        _ key: ResourceKey, version: Int, transformation: String, format: String
    ) async throws(StoreError) -> DerivativeRecord?

    /// Records a derivative. Returns the stored row: the given one, or the one another writer
    /// stored first for the same key. Throws `.resourceGone` when that version of the original no
    /// longer exists (a derivative never outlives its original's version).
    func insertDerivative(_ record: DerivativeRecord) async throws(StoreError) -> DerivativeRecord

    func derivatives(of key: ResourceKey) async throws(StoreError) -> [DerivativeRecord]

    /// Deletes an original and every derivative of it in one transaction; nil when absent.
    func deleteResource(_ key: ResourceKey) async throws(StoreError) -> DeletedResource?

    /// Whether any original or derivative points at `hash`.
    func isReferenced(_ hash: String) async throws(StoreError) -> Bool

    /// Every blob hash some row points at.
    func referencedBlobs() async throws(StoreError) -> Set<String>
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
