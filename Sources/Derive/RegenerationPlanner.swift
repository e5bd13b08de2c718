import DeriveRender
import DeriveStore
import DeriveTransform
import Foundation

/// One render of a regeneration: an original, what to render, and the derivative it replaces.
struct RegenerationItem: Sendable {
    var resource: ResourceRecord
    var transformation: Transformation
    /// The derivative key's transformation (canonical, plus the client-hint suffix if any).
    var keyTransformation: String
    var output: ImageFormat
    var devicePixelRatio: Double?
    var clientWidth: Int?
    /// The stored derivative, if any.
    var previous: DerivativeRecord?
    /// The derivative id: the item's identity within its job.
    var id: String
    /// `public_id transformation format`, for failure lists.
    var label: String
}

/// Turns a batch of originals into the renders a ``RegenerationRequest`` asks for.
struct RegenerationPlanner: Sendable {
    let derive: Derive
    let request: RegenerationRequest
    /// The request's transformations, parsed (named ones expanded), with their `/<ext>` format.
    let parsed: [(transformation: Transformation, format: String?)]
    let fingerprint = Renderer.fingerprint

    init(_ derive: Derive, _ request: RegenerationRequest) async throws(DeriveError) {
        self.derive = derive
        self.request = request
        var parsed: [(transformation: Transformation, format: String?)] = []
        for text in request.transformations.flatMap({ $0.split(separator: "|").map(String.init) }) {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            let named = try await derive.namedDefinitions(in: trimmed)
            do {
                let result = try Transformation.parseDerived(trimmed, named: { named[$0] })
                parsed.append((result.transformation, result.format))
            } catch {
                throw .invalidTransformation(error)
            }
        }
        if !request.transformations.isEmpty && parsed.isEmpty {
            throw .invalidArgument("no transformation given")
        }
        self.parsed = parsed
    }

    /// The renders for `keys`, how many possible renders had nothing to do, and items that
    /// cannot be rendered (a missing original, a stored transformation that no longer parses).
    func plan(_ keys: [ResourceKey]) async throws(DeriveError)
        -> (items: [RegenerationItem], skipped: Int, failures: [RegenerationFailure])
    {
        let resources = try await derive.storing { try await derive.catalog.resources(keys) }
        var items: [RegenerationItem] = []
        var skipped = 0
        var failures: [RegenerationFailure] = []
        if case .publicIDs = request.selection {
            let found = Set(resources.map(\.key))
            for key in keys where !found.contains(key) {
                failures.append(
                    RegenerationFailure(
                        item: ContentHash.sha256Hex(of: "missing\u{0}\(key)", digits: 32), label: key.publicID,
                        error: "resource not found"))
            }
        }
        for resource in resources {
            let stored = try await derive.storing { try await derive.catalog.derivatives(of: resource.key) }
                .filter { $0.version == resource.version }
            guard let source = ImageFormat(name: resource.format) else {
                failures.append(
                    RegenerationFailure(
                        item: ContentHash.sha256Hex(of: "format\u{0}\(resource.key)", digits: 32),
                        label: resource.key.publicID, error: "stored format \(resource.format) cannot be rendered"))
                continue
            }
            if parsed.isEmpty {
                for derivative in stored {
                    if request.stale && derivative.renderer == fingerprint {
                        skipped += 1
                        continue
                    }
                    do throws(DeriveError) {
                        items.append(try await item(rendering: derivative, of: resource))
                    } catch {
                        failures.append(
                            RegenerationFailure(item: derivative.id, label: Self.label(derivative), error: "\(error)"))
                    }
                }
                continue
            }
            let byID = Dictionary(stored.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for (transformation, format) in parsed {
                let (output, resolved): (ImageFormat, ResolvedHints)
                do {
                    (output, resolved) = try derive.outputVariant(
                        transformation, extension: format, source: source, hints: ClientHints())
                } catch {
                    failures.append(
                        RegenerationFailure(
                            item: ContentHash.sha256Hex(
                                of: "\(resource.key)\u{0}\(transformation.canonical)\u{0}\(format ?? "")", digits: 32),
                            label: "\(resource.key.publicID) \(transformation.canonical) \(format ?? "")",
                            error: "\(DeriveError.render(error))"))
                    continue
                }
                let key = transformation.canonical + resolved.keySuffix
                if key.isEmpty && output == source {
                    skipped += 1  // the original itself
                    continue
                }
                let id = DerivativeRecord.id(
                    key: resource.key, version: resource.version, transformation: key, format: output.rawValue)
                let previous = byID[id]
                if let previous, request.missingOnly || (request.stale && previous.renderer == fingerprint) {
                    skipped += 1
                    continue
                }
                items.append(
                    RegenerationItem(
                        resource: resource, transformation: transformation, keyTransformation: key, output: output,
                        devicePixelRatio: resolved.devicePixelRatio, clientWidth: resolved.width, previous: previous,
                        id: id, label: "\(resource.key.publicID) \(key.isEmpty ? "-" : key) \(output.rawValue)"))
            }
        }
        return (items, skipped, failures)
    }

    /// The render that reproduces a stored derivative: its transformation (named ones expanded as
    /// they are defined now), format, and the client hints its key records (`|dpr=2|width=640`).
    private func item(rendering derivative: DerivativeRecord, of resource: ResourceRecord) async throws(DeriveError)
        -> RegenerationItem
    {
        let parts = derivative.transformation.split(separator: "|", omittingEmptySubsequences: false)
        let transformation = try await derive.parseTransformation(String(parts.first ?? ""))
        guard let output = ImageFormat(name: derivative.format) else {
            throw .render(.unsupportedInput("stored derivative format \(derivative.format)"))
        }
        var dpr: Double?
        var width: Int?
        for hint in parts.dropFirst() {
            let pair = hint.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else {
                throw .invalidArgument("unreadable derivative key \(derivative.transformation)")
            }
            switch pair[0] {
            case "dpr":
                guard let value = Double(pair[1]), value.isFinite, value > 0 else {
                    throw .invalidArgument("unreadable DPR in \(derivative.transformation)")
                }
                dpr = value
            case "width":
                if pair[1] != "none" {
                    guard let value = Int(pair[1]), value > 0 else {
                        throw .invalidArgument("unreadable width in \(derivative.transformation)")
                    }
                    width = value
                }
            default:
                throw .invalidArgument("unknown hint in derivative key \(derivative.transformation)")
            }
        }
        return RegenerationItem(
            resource: resource, transformation: transformation, keyTransformation: derivative.transformation,
            output: output, devicePixelRatio: dpr, clientWidth: width, previous: derivative, id: derivative.id,
            label: Self.label(derivative))
    }

    static func label(_ derivative: DerivativeRecord) -> String {
        "\(derivative.key.publicID) \(derivative.transformation.isEmpty ? "-" : derivative.transformation) \(derivative.format)"
    }

    /// Walks the whole selection read-only (no claims), planning each batch: for counts and dry runs.
    func walkAll(
        _ body: ([ResourceKey], [RegenerationItem], Int) async throws(DeriveError) -> Void
    ) async throws(DeriveError) {
        let walk = request.walk
        switch walk.selection {
        case .publicIDs(let ids):
            var seen = Set<String>()
            let keys = ids.filter { seen.insert($0).inserted }.map {
                ResourceKey(resourceType: walk.resourceType, type: walk.type ?? "upload", publicID: $0)
            }
            for start in stride(from: 0, to: keys.count, by: 100) {
                let chunk = Array(keys[start..<min(start + 100, keys.count)])
                let (items, skipped, _) = try await plan(chunk)
                try await body(chunk, items, skipped)
            }
        case .all, .prefix, .tag:
            let selection: ResourceSelection
            switch walk.selection {
            case .prefix(let prefix): selection = .prefix(prefix)
            case .tag(let tag): selection = .tag(tag)
            default: selection = .all
            }
            var cursor: String?
            repeat {
                let after = cursor
                let batch = try await derive.storing {
                    try await derive.catalog.selectResources(
                        resourceType: walk.resourceType, type: walk.type, selection, after: after, limit: 200)
                }
                let (items, skipped, _) = try await plan(batch.keys)
                try await body(batch.keys, items, skipped)
                cursor = batch.nextCursor
            } while cursor != nil
        }
    }
}

extension Derive {
    /// Renders an item without storing it (on the render pool).
    func renderItem(_ item: RegenerationItem, source: [UInt8]? = nil) async throws(DeriveError)
        -> (image: RenderedImage, hash: String)
    {
        try await renderHashed(
            item.resource, source: source, transformation: item.transformation,
            context: RenderContext(
                format: item.output, devicePixelRatio: item.devicePixelRatio, clientWidth: item.clientWidth))
    }
}
