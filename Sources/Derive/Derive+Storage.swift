import DeriveStore
import Foundation

extension Derive {
    /// Records a rendered derivative: the hooks' before phase, the blob written durably, the row
    /// and its `derived.created` event in one transaction, then a check that a concurrent reclaim
    /// did not set the blob aside meanwhile (see `BlobStore.reclaim`). Returns the stored row: this
    /// one, or the one a concurrent writer recorded first (whose blob is then the one served).
    func recordDerivative(_ record: DerivativeRecord, bytes: [UInt8], namedTransformations: [String])
        async throws(DeriveError) -> DerivativeRecord
    {
        try await lifecycle.hooks.before { try await $0.willCreateDerived(record) }
        try await storing { try await self.blobs.put(bytes, hash: record.blob) }
        let context = ChangeContext(operation: .render)
        let stored: DerivativeRecord
        do {
            stored = try await committing(context) { recorder throws(StoreError) in
                try await self.catalog.insertDerivative(
                    record, namedTransformations: namedTransformations, recorder: recorder)
            }
        } catch {
            await reclaim([record.blob])
            throw error
        }
        if stored.blob == record.blob {
            try await storing { try await self.blobs.ensure(record.blob, bytes: bytes) }
        } else {
            await reclaim([record.blob])
        }
        return stored
    }
}
