import DeriveStore
import Foundation

/// Renames and contextual metadata (Cloudinary's `rename` and `context`).
extension Derive {
    /// Gives an original a new public id (and, with `toType`, a new delivery type), keeping its
    /// bytes and version. Its derivatives are deleted (their URLs named the old id; they are
    /// rendered again on request) and an `invalidate` event names every old URL. An existing
    /// original at the new id is deleted first with `overwrite`, else the rename is refused.
    @discardableResult
    public func rename(
        publicID: String, to newID: String, type: String = "upload", toType: String? = nil,
        resourceType: String = "image", overwrite: Bool = false, invalidate: Bool = false,
        notificationURL: String? = nil
    ) async throws(DeriveError) -> RenameOutcome {
        let from = ResourceKey(resourceType: resourceType, type: type, publicID: publicID)
        let to = ResourceKey(resourceType: resourceType, type: toType ?? type, publicID: try PublicID.validate(newID))
        guard ["upload", "private", "authenticated"].contains(to.type) else {
            throw .invalidArgument("to_type must be upload, private or authenticated")
        }
        guard try await storing({ try await self.catalog.resource(from) }) != nil else { throw .notFound(publicID) }
        let target = try await storing { try await self.catalog.resource(to) }
        let derivatives = try await storing { try await self.catalog.derivatives(of: from) }
        try await lifecycle.hooks.before { hook in
            if let target, overwrite, from != to { try await hook.willDelete([target]) }
            if !derivatives.isEmpty { try await hook.willDeleteDerived(derivatives) }
        }
        let context = ChangeContext(operation: .rename, invalidate: invalidate, notificationURL: notificationURL)
        let outcome = try await committing(context) { recorder throws(StoreError) in
            try await self.catalog.renameResource(from, to: to, overwrite: overwrite, recorder: recorder)
        }
        var released = Set(outcome.removed.map(\.blob))
        if let replaced = outcome.replaced {
            released.formUnion(replaced.derivatives.map(\.blob))
            if let resource = replaced.resource { released.insert(resource.blob) }
        }
        released.remove(outcome.resource.blob)
        await reclaim(released)
        return outcome
    }

    /// Adds contextual metadata (`add`: the given keys replace theirs, others stay) or removes all
    /// of it, for up to 1000 originals. Keys are 1–128 bytes of letters, digits, `_`, `-`, `.`;
    /// values at most 1024 bytes. Returns the public ids found.
    @discardableResult
    public func updateContext(
        _ command: ContextCommand, context: [String: String] = [:], publicIDs: [String],
        resourceType: String = "image", type: String = "upload"
    ) async throws(DeriveError) -> [String] {
        guard publicIDs.count <= DeleteOptions.maxBatchSize else {
            throw .invalidArgument("at most \(DeleteOptions.maxBatchSize) public ids per context call")
        }
        let context = try Self.validateContext(context)
        if command == .add && context.isEmpty { throw .invalidArgument("no context given") }
        let keys = publicIDs.map { ResourceKey(resourceType: resourceType, type: type, publicID: $0) }
        let found = try await storing { try await self.catalog.updateContext(command, context: context, keys: keys) }
        return found.map(\.publicID)
    }

    static func validateContext(_ context: [String: String]) throws(DeriveError) -> [String: String] {
        guard context.count <= 100 else { throw .invalidArgument("at most 100 context keys") }
        for (key, value) in context {
            guard !key.isEmpty, key.utf8.count <= 128,
                key.unicodeScalars.allSatisfy({
                    $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0))
                })
            else {
                throw .invalidArgument("context key \"\(key.prefix(40))\" must be 1-128 letters, digits, _, - or .")
            }
            guard value.utf8.count <= 1024, !value.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" })
            else { throw .invalidArgument("context value of \"\(key)\" is over 1024 bytes or has control characters") }
        }
        return context
    }
}
