import DeriveStore
import DeriveTransform
import Foundation

/// Builds the delivery URLs of an original and its derivatives the way the SDKs do
/// (`DeliveryURL.path`), with the version policy of Cloudinary's invalidation (section 6).
struct DeliveryURLBuilder: Sendable {
    var cloudName: String
    var baseURL: String?
    var versioned: Bool

    /// `/<cloud>/<rt>/<type>/` and the part after the transformation (`[v…/]<escaped id>`), computed
    /// once per original; each derivative's URL is then a concatenation.
    struct Parts {
        var head: String
        var tail: String
    }

    func parts(_ key: ResourceKey, version: Int?) -> Parts {
        var head = baseURL ?? ""
        head += "/"
        for part in [cloudName, key.resourceType, key.type] where !part.isEmpty {
            head += part
            head += "/"
        }
        return Parts(head: head, tail: DeliveryURL.sourcePath(publicID: key.publicID, version: version))
    }

    func url(_ parts: Parts, transformation: String, format: String?) -> String {
        var url = parts.head
        if !transformation.isEmpty { url += transformation + "/" }
        url += parts.tail
        if let format, !format.isEmpty { url += "." + format }
        return url
    }

    /// The URL an upload result reports: always with the version.
    func resourceURL(_ resource: ResourceRecord) -> String {
        url(parts(resource.key, version: resource.version), transformation: "", format: resource.format)
    }

    func derivativeURL(_ derivative: DerivativeRecord) -> String {
        url(
            parts(derivative.key, version: derivative.version), transformation: derivative.transformation,
            format: derivative.format)
    }

    /// Writes the URLs that went stale as the JSON array `name`: the original (with and without its
    /// extension) when `original`, and every derivative, under the invalidation version policy.
    /// Each URL is written straight into the payload: a bulk delete names millions of them.
    func writeStaleURLs(
        _ name: String, _ resource: ResourceRecord, original: Bool, derivatives: [DerivativeRecord],
        into json: inout JSONObjectWriter
    ) {
        let parts = parts(resource.key, version: versioned ? resource.version : nil)
        json.beginArray(name)
        defer { json.endArray() }
        // Within one version, derivative URLs differ by (transformation, format) and contain the
        // transformation, so they repeat neither each other nor the original's. Only an empty
        // transformation or a mix of versions can repeat a URL; then dedupe through a set.
        let version = derivatives.first?.version
        guard !derivatives.contains(where: { $0.transformation.isEmpty || $0.version != version }) else {
            var seen = Set<String>()
            var all =
                original
                ? [
                    url(parts, transformation: "", format: resource.format),
                    url(parts, transformation: "", format: nil),
                ] : []
            all += derivatives.map { url(parts, transformation: $0.transformation, format: $0.format) }
            for url in all where seen.insert(url).inserted { json.arrayElement(url) }
            return
        }
        if original {
            if !resource.format.isEmpty {
                json.beginElement()
                json.elementPiece(parts.head)
                json.elementPiece(parts.tail)
                json.elementPiece(".")
                json.elementPiece(resource.format)
                json.endElement()
            }
            json.beginElement()
            json.elementPiece(parts.head)
            json.elementPiece(parts.tail)
            json.endElement()
        }
        // By index: `for derivative in derivatives` would copy (retain and release) every field.
        for index in derivatives.indices {
            json.beginElement()
            json.elementPiece(parts.head)
            json.elementPiece(derivatives[index].transformation)
            json.elementPiece("/")
            json.elementPiece(parts.tail)
            if !derivatives[index].format.isEmpty {
                json.elementPiece(".")
                json.elementPiece(derivatives[index].format)
            }
            json.endElement()
        }
    }

    static func secure(_ url: String) -> String {
        url.hasPrefix("http://") ? "https://" + url.dropFirst("http://".count) : url
    }
}

/// Writes the `upload`, `overwrite`, `delete`, `derived.created` and `derived.deleted` events.
/// Payloads follow Cloudinary's notifications (section 6) where one exists.
struct EventLogHook: LifecycleHook {
    let urls: DeliveryURLBuilder

    func record(_ change: LifecycleChange, context: ChangeContext, into events: inout [EventDraft]) throws {
        let notify = context.notificationURL
        switch change {
        case .uploaded(let resource):
            events.append(
                EventDraft(
                    kind: EventKind.upload.rawValue, key: resource.key, version: resource.version,
                    payload: uploadPayload(resource, previous: nil, timestamp: context.timestamp),
                    notificationURL: notify))
        case .overwritten(let resource, let previous, _):
            events.append(
                EventDraft(
                    kind: EventKind.overwrite.rawValue, key: resource.key, version: resource.version,
                    payload: uploadPayload(resource, previous: previous, timestamp: context.timestamp),
                    notificationURL: notify))
        case .deleted(let resource, let derivatives):
            var json = JSONObjectWriter()
            json.field("notification_type", "delete")
            json.field("timestamp", context.timestamp)
            json.beginArray("resources")
            json.objectElement { writeSummary(resource, into: &$0) }
            json.endArray()
            json.field("derived_deleted", derivatives.count)
            events.append(
                EventDraft(
                    kind: EventKind.delete.rawValue, key: resource.key, version: resource.version,
                    payload: json.finish(), notificationURL: notify))
        case .derivedCreated(let derivative, let resource):
            events.append(
                EventDraft(
                    kind: EventKind.derivedCreated.rawValue, key: resource.key, version: resource.version,
                    payload: derivedPayload(.derivedCreated, resource, [derivative], timestamp: context.timestamp),
                    notificationURL: notify))
        case .derivedReplaced(let derivative, _, let resource):
            events.append(
                EventDraft(
                    kind: EventKind.derivedReplaced.rawValue, key: resource.key, version: resource.version,
                    payload: derivedPayload(.derivedReplaced, resource, [derivative], timestamp: context.timestamp),
                    notificationURL: notify))
        case .derivedDeleted(let resource, let derivatives):
            events.append(
                EventDraft(
                    kind: EventKind.derivedDeleted.rawValue, key: resource.key, version: resource.version,
                    payload: derivedPayload(.derivedDeleted, resource, derivatives, timestamp: context.timestamp),
                    notificationURL: notify))
        case .tagsChanged:
            break
        case .renamed(let resource, let previous, let removed):
            var json = JSONObjectWriter()
            json.field("notification_type", "rename")
            json.field("timestamp", context.timestamp)
            json.field("resource_type", resource.key.resourceType)
            json.field("from_type", previous.key.type)
            json.field("to_type", resource.key.type)
            json.field("from_public_id", previous.key.publicID)
            json.field("to_public_id", resource.key.publicID)
            json.field("asset_id", resource.assetID)
            json.field("version", resource.version)
            json.field("derived_deleted", removed.count)
            events.append(
                EventDraft(
                    kind: EventKind.rename.rawValue, key: resource.key, version: resource.version,
                    payload: json.finish(), notificationURL: notify))
        case .eagerCompleted(let resource, let derivatives, let batchID):
            let payload = derivedPayload(
                .eager, resource, derivatives, timestamp: context.timestamp, arrayName: "eager", batchID: batchID)
            events.append(
                EventDraft(
                    kind: EventKind.eager.rawValue, key: resource.key, version: resource.version,
                    payload: payload, notificationURL: notify))
        }
    }

    private func uploadPayload(_ r: ResourceRecord, previous: ResourceRecord?, timestamp: String) -> String {
        let url = urls.resourceURL(r)
        var json = JSONObjectWriter()
        json.field("notification_type", "upload")
        json.field("timestamp", timestamp)
        json.field("asset_id", r.assetID)
        json.field("public_id", r.key.publicID)
        json.field("version", r.version)
        json.field("version_id", r.versionID)
        json.field("width", r.width)
        json.field("height", r.height)
        json.field("format", r.format)
        json.field("resource_type", r.key.resourceType)
        json.field("created_at", ISOTime.string(r.createdAt))
        json.field("tags", strings: r.tags)
        json.field("bytes", r.bytes)
        json.field("type", r.key.type)
        json.field("etag", r.etag)
        json.field("placeholder", false)
        json.field("url", url)
        json.field("secure_url", DeliveryURLBuilder.secure(url))
        json.field("access_mode", "public")
        if let previous {
            json.field("overwritten", true)
            json.field("previous_version", previous.version)
        }
        return json.finish()
    }

    /// The fields of an entry of a `delete` notification's `resources`.
    private func writeSummary(_ r: ResourceRecord, into json: inout JSONObjectWriter) {
        json.field("resource_type", r.key.resourceType)
        json.field("type", r.key.type)
        json.field("asset_id", r.assetID)
        json.field("public_id", r.key.publicID)
        json.field("version", r.version)
    }

    private func derivedPayload(
        _ kind: EventKind, _ r: ResourceRecord, _ derivatives: [DerivativeRecord], timestamp: String,
        arrayName: String = "derived", batchID: String? = nil
    ) -> String {
        var json = JSONObjectWriter()
        json.field("notification_type", kind.rawValue)
        json.field("timestamp", timestamp)
        json.field("batch_id", batchID)
        json.field("resource_type", r.key.resourceType)
        json.field("type", r.key.type)
        json.field("asset_id", r.assetID)
        json.field("public_id", r.key.publicID)
        json.field("version", r.version)
        let parts = urls.parts(r.key, version: r.version)
        json.beginArray(arrayName)
        for d in derivatives {
            json.objectElement { item in
                item.field("id", d.id)
                item.field("transformation", d.transformation)
                item.field("format", d.format)
                item.field("bytes", d.bytes)
                item.field("width", d.width)
                item.field("height", d.height)
                let url = urls.url(parts, transformation: d.transformation, format: d.format)
                item.field("url", url)
                item.field("secure_url", DeliveryURLBuilder.secure(url))
            }
        }
        json.endArray()
        return json.finish()
    }
}

/// Writes one `invalidate` event per change that makes URLs stale, naming exactly those URLs:
/// an overwrite (the old version's original and derivative URLs), a delete (the original and every
/// derivative), a derivative delete (those derivatives), a regeneration that replaced a derivative's
/// bytes (that derivative's URLs).
struct InvalidationHook: LifecycleHook {
    let urls: DeliveryURLBuilder

    func record(_ change: LifecycleChange, context: ChangeContext, into events: inout [EventDraft]) throws {
        let reason: String
        let resource: ResourceRecord
        let original: Bool
        let derivatives: [DerivativeRecord]
        switch change {
        case .overwritten(_, let previous, let removed):
            (resource, reason, original, derivatives) = (previous, "overwrite", true, removed)
        case .deleted(let deleted, let removed):
            (resource, reason, original, derivatives) = (deleted, "delete", true, removed)
        case .derivedDeleted(let owner, let removed):
            (resource, reason, original, derivatives) = (owner, "derived_deleted", false, removed)
        case .renamed(_, let previous, let removed):
            (resource, reason, original, derivatives) = (previous, "rename", true, removed)
        case .derivedReplaced(_, let previous, let owner):
            (resource, reason, original, derivatives) = (owner, "regenerated", false, [previous])
        case .uploaded, .derivedCreated, .tagsChanged, .eagerCompleted:
            return
        }
        guard original || !derivatives.isEmpty else { return }
        var json = JSONObjectWriter(capacity: 320 + (derivatives.count + 2) * 96)
        json.field("notification_type", "invalidate")
        json.field("timestamp", context.timestamp)
        json.field("reason", reason)
        json.field("requested", context.invalidate)
        json.field("resource_type", resource.key.resourceType)
        json.field("type", resource.key.type)
        json.field("public_id", resource.key.publicID)
        json.field("version", resource.version)
        urls.writeStaleURLs("urls", resource, original: original, derivatives: derivatives, into: &json)
        events.append(
            EventDraft(
                kind: EventKind.invalidate.rawValue, key: resource.key, version: resource.version,
                payload: json.finish(), notificationURL: nil))
    }
}
