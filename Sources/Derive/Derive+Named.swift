import DeriveStore
import DeriveTransform
import Foundation

/// Named transformations (`t_<name>`): stored in the catalog, expanded by the parser.
extension Derive {
    /// Creates a named transformation usable as `t_<name>`. The definition may end with `/<ext>`.
    /// Throws `.conflict` when the name exists.
    @discardableResult
    public func createNamedTransformation(_ name: String, definition: String, allowedForStrict: Bool = true)
        async throws(DeriveError) -> NamedTransformationRecord
    {
        try Self.validateName(name)
        let canonical = try await canonicalDefinition(definition)
        let now = Date()
        let record = NamedTransformationRecord(
            name: name, definition: canonical, allowedForStrict: allowedForStrict, createdAt: now, updatedAt: now)
        try await storing { try await self.catalog.createNamedTransformation(record) }
        return record
    }

    /// Changes a named transformation. Like Cloudinary's `unsafe_update`, existing derivatives that
    /// use it are kept (their URLs keep serving the old rendering) unless `deleteDerived` is true,
    /// which deletes them in the same transaction (with invalidation events) so the next request
    /// renders the new definition.
    @discardableResult
    public func updateNamedTransformation(
        _ name: String, definition: String? = nil, allowedForStrict: Bool? = nil, deleteDerived: Bool = false
    ) async throws(DeriveError) -> NamedTransformationRecord {
        var newDefinition: String?
        if let definition { newDefinition = try await canonicalDefinition(definition, excluding: name) }
        let canonical = newDefinition
        if deleteDerived { try await beforeDeletingDerivatives(usingNamed: name) }
        let context = ChangeContext(operation: .namedTransformation)
        let updated = try await committing(context) { recorder throws(StoreError) in
            try await self.catalog.updateNamedTransformation(
                name, definition: canonical, allowedForStrict: allowedForStrict, deleteDerived: deleteDerived,
                recorder: recorder)
        }
        guard let updated else { throw .notFound("transformation \(name)") }
        await reclaim(updated.deleted.reduce(into: Set<String>()) { $0.formUnion($1.releasedBlobs) })
        return updated.record
    }

    /// Deletes a named transformation and, in the same transaction, every derivative that uses it.
    /// Returns how many derivatives went.
    @discardableResult
    public func deleteNamedTransformation(_ name: String) async throws(DeriveError) -> Int {
        try await beforeDeletingDerivatives(usingNamed: name)
        let context = ChangeContext(operation: .namedTransformation)
        let deleted = try await committing(context) { recorder throws(StoreError) in
            try await self.catalog.deleteNamedTransformation(name, recorder: recorder)
        }
        guard let deleted else { throw .notFound("transformation \(name)") }
        await reclaim(deleted.deleted.reduce(into: Set<String>()) { $0.formUnion($1.releasedBlobs) })
        return deleted.deleted.reduce(0) { $0 + $1.derivatives.count }
    }

    public func namedTransformation(_ name: String) async throws(DeriveError) -> NamedTransformationRecord? {
        try await storing { try await self.catalog.namedTransformations([name])[name] }
    }

    /// Named transformations sorted by name, `limit` at a time after `cursor` (the last name seen).
    public func namedTransformations(after cursor: String? = nil, limit: Int = 100) async throws(DeriveError)
        -> [NamedTransformationRecord]
    {
        try await storing { try await self.catalog.listNamedTransformations(after: cursor, limit: limit) }
    }

    /// How many stored derivatives use `t_<name>`.
    public func derivativeCount(usingNamed name: String) async throws(DeriveError) -> Int {
        try await storing { try await self.catalog.derivativeCount(usingNamed: name) }
    }

    /// Parses transformation text, expanding `t_` names from the catalog (a 400-style error for
    /// bad text or an unknown name).
    public func parseTransformation(_ text: String) async throws(DeriveError) -> Transformation {
        let named = try await namedDefinitions(in: text)
        do { return try Transformation(parsing: text, named: { named[$0] }) } catch {
            throw .invalidTransformation(error)
        }
    }

    /// The definitions of the named transformations `text` (a transformation or delivery URL)
    /// refers to, nested ones included; unknown names are absent.
    public func namedDefinitions(for text: String) async throws(DeriveError) -> [String: String] {
        try await namedDefinitions(in: text)
    }

    /// The definitions of every named transformation `text` refers to, nested ones included
    /// (empty, without a catalog read, when the text has no `t_`).
    func namedDefinitions(in text: String) async throws(DeriveError) -> [String: String] {
        var definitions: [String: String] = [:]
        var pending = Self.namedReferences(in: text)
        var rounds = 0
        while !pending.isEmpty, rounds < 16 {
            rounds += 1
            let names = pending
            let found = try await storing { try await self.catalog.namedTransformations(names) }
            pending = []
            for (name, record) in found {
                definitions[name] = record.definition
                pending.formUnion(Self.namedReferences(in: record.definition))
            }
            pending.subtract(definitions.keys)
            pending.subtract(names)
        }
        return definitions
    }

    /// Names after `t_` at the start of a parameter (`t_a.b` names `a` and `b`).
    static func namedReferences(in text: String) -> Set<String> {
        guard text.contains("t_") else { return [] }
        var names = Set<String>()
        var previous: Character = "/"
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "t", previous == "/" || previous == ",",
                text[index...].hasPrefix("t_")
            {
                let start = text.index(index, offsetBy: 2)
                let end = text[start...].firstIndex(where: { $0 == "," || $0 == "/" }) ?? text.endIndex
                for name in text[start..<end].split(separator: ".") where !name.isEmpty { names.insert(String(name)) }
                index = end
                continue
            }
            previous = character
            index = text.index(after: index)
        }
        return names
    }

    private func beforeDeletingDerivatives(usingNamed name: String) async throws(DeriveError) {
        let hooks = lifecycle.hooks
        guard !hooks.user.isEmpty else { return }
        let ids = try await storing { try await self.catalog.derivativeIDs(usingNamed: name) }
        let planned = try await storing { try await self.catalog.derivatives(ids: ids) }
        try await hooks.before { try await $0.willDeleteDerived(planned) }
    }

    /// Validates a definition (nested names must exist, no cycles) and returns its canonical form.
    private func canonicalDefinition(_ definition: String, excluding name: String? = nil) async throws(DeriveError)
        -> String
    {
        var named = try await namedDefinitions(in: definition)
        if let name { named[name] = nil }
        do {
            let parsed = try Transformation.parseDerived(definition, named: { named[$0] })
            guard !parsed.transformation.isEmpty else { throw DeriveError.invalidArgument("empty transformation") }
            return parsed.transformation.canonical + (parsed.format.map { "/" + $0 } ?? "")
        } catch let error as TransformationError {
            throw .invalidTransformation(error)
        } catch {
            throw .invalidArgument("\(error)")
        }
    }

    /// Cloudinary: a name must not contain `/`, `,` or `.`.
    static func validateName(_ name: String) throws(DeriveError) {
        guard !name.isEmpty, name.utf8.count <= 255,
            !name.contains(where: { $0 == "/" || $0 == "," || $0 == "." || $0.isWhitespace })
        else {
            throw .invalidArgument(
                "invalid transformation name \"\(name)\": it must not contain /, comma, dot or spaces")
        }
    }
}
