import Foundation
import GRDB

/// Renames and contextual metadata: changes to an original that keep its bytes.
extension SQLiteCatalog {
    public func renameResource(
        _ from: ResourceKey, to: ResourceKey, overwrite: Bool, recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> RenameOutcome {
        try await write { db in
            guard let source = try Self.fetchResource(db, from) else {
                throw StoreError.invalidArgument("Resource not found - \(from.publicID)")
            }
            guard from != to else { return RenameOutcome(resource: source.record, replaced: nil, removed: []) }
            var replaced: ResourceDeletion?
            if let target = try Self.fetchResource(db, to) {
                guard overwrite else { throw StoreError.conflict("Resource already exists - \(to.publicID)") }
                replaced = try Self.deleteResources(
                    db, [to], found: [to: target], keepOriginal: false, filter: nil, recorder: recorder
                ).first
            }
            // The derivatives' keys and URLs name the old id: they go, and come back on request.
            let removed =
                try Self.deleteResources(
                    db, [from], found: [from: source], keepOriginal: true, filter: nil, recorder: recordNothing
                ).first?.derivatives ?? []
            try db.execute(
                sql: "UPDATE resources SET type = ?, public_id = ? WHERE id = ?",
                arguments: [to.type, to.publicID, source.id])
            var renamed = source.record
            renamed.key = to
            try Self.record(db, [.renamed(renamed, previous: source.record, removed: removed)], recorder)
            return RenameOutcome(resource: renamed, replaced: replaced, removed: removed)
        }
    }

    public func updateContext(
        _ command: ContextCommand, context: [String: String], keys: [ResourceKey]
    ) async throws(StoreError) -> [ResourceKey] {
        try await write { db in
            let found = try Self.fetchResources(db, keys)
            var changed: [ResourceKey] = []
            for key in keys {
                guard let (id, record) = found[key] else { continue }
                let updated: [String: String]
                switch command {
                case .add: updated = record.context.merging(context) { _, new in new }
                case .removeAll: updated = [:]
                }
                changed.append(key)
                guard updated != record.context else { continue }
                try db.execute(
                    sql: "UPDATE resources SET context = ? WHERE id = ?",
                    arguments: [ResourceRecord.contextText(updated), id])
            }
            return changed
        }
    }
}
