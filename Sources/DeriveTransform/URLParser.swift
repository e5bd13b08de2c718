/// Splits a delivery URL path into its parts (see ``DeliveryURL``).
struct URLParser {
    let src: Source
    let expectedCloud: String?

    typealias Segment = (start: Int, end: Int)

    func fail(_ reason: String, _ offset: Int?) -> TransformationError {
        TransformationError(reason: reason, offset: offset)
    }

    func text(_ s: Segment) -> String { src.string(s.start, s.end) }

    func parse(named: (String) -> String?) throws(TransformationError) -> DeliveryURL {
        var n = src.bytes.count
        if let q = src.firstIndex(of: 0x3F, 0, n) { n = q }
        if let h = src.firstIndex(of: 0x23, 0, n) { n = h }
        var segments: [Segment] = []
        var i = 0
        while i <= n {
            let j = src.firstIndex(of: 0x2F, i, n) ?? n
            segments.append((i, j))
            i = j + 1
        }
        // Drop the empty segment before a leading "/" and empty segments up to the resource type.
        var idx = 0
        while idx < segments.count, segments[idx].start == segments[idx].end { idx += 1 }
        guard idx < segments.count else { throw fail("empty delivery URL path", 0) }

        var cloud: String?
        let first = text(segments[idx])
        let shortForms: Set<String> = ["images", "files", "iu"]
        if let expectedCloud {
            if first == expectedCloud {
                cloud = first
                idx += 1
            } else if !Vocabulary.resourceTypes.contains(first) && !shortForms.contains(first) {
                throw fail("unknown cloud name \"\(first)\" (expected \"\(expectedCloud)\")", segments[idx].start)
            }
        } else if !Vocabulary.resourceTypes.contains(first) && !shortForms.contains(first) {
            cloud = first
            idx += 1
        }
        guard idx < segments.count else { throw fail("missing resource type and public id", n) }

        var resourceType = "image"
        var type = "upload"
        var form = DeliveryURL.Form.standard
        let head = text(segments[idx])
        switch head {
        case "image", "video", "raw":
            resourceType = head
            guard idx + 1 < segments.count else { throw fail("missing delivery type after \"\(head)\"", n) }
            let t = text(segments[idx + 1])
            guard Vocabulary.deliveryTypes.contains(t) else {
                throw fail(
                    "unknown delivery type \"\(t)\"" + Suggestions.hint(for: t, in: Vocabulary.deliveryTypes.sorted()),
                    segments[idx + 1].start)
            }
            type = t
            idx += 2
        case "images":
            form = .suffix
            idx += 1
        case "files":
            resourceType = "raw"
            form = .suffix
            idx += 1
        case "iu":
            form = .shortened
            idx += 1
        default:
            guard cloud != nil else { throw fail("expected a resource type, found \"\(head)\"", segments[idx].start) }
            form = .rootPath
        }
        var rest = Array(segments[idx...])
        guard !rest.isEmpty else { throw fail("missing public id", n) }

        // Signature.
        var signature: String?
        if let s = rest.first, src.hasPrefix(s.start, s.end, "s--"), s.end - s.start >= 6, src[s.end - 1] == 0x2D,
            src[s.end - 2] == 0x2D
        {
            signature = src.string(s.start + 3, s.end - 2)
            rest.removeFirst()
        }
        guard !rest.isEmpty else { throw fail("missing public id", n) }

        // A remote URL (fetch) starts at the first segment beginning with http: / https:.
        var remoteAt: Int?
        for (k, s) in rest.enumerated()
        where type == "fetch" && (src.hasPrefix(s.start, s.end, "http:") || src.hasPrefix(s.start, s.end, "https:")) {
            remoteAt = k
            break
        }
        let idLimit = remoteAt ?? rest.count - 1  // the last segment is always part of the public id

        // Version: the first v<digits> before the public id's last segment ends the transformations.
        var version: Int?
        var idStart = 0
        var transformationEnd = 0
        if let k = (0..<idLimit).first(where: { isVersion(rest[$0]) }) {
            let s = rest[k]
            guard let v = src.int(s.start + 1, s.end) else { throw fail("invalid version \"\(text(s))\"", s.start) }
            version = v
            transformationEnd = k
            idStart = k + 1
        } else {
            while transformationEnd < idLimit, looksLikeTransformation(rest[transformationEnd]) {
                transformationEnd += 1
            }
            idStart = transformationEnd
        }

        // Transformation.
        let tSegments = rest[0..<transformationEnd].filter { $0.start < $0.end }
        var rawTransformation = ""
        var transformation = Transformation.empty
        if let firstT = tSegments.first, let lastT = tSegments.last {
            let media: MediaKind = resourceType == "video" ? .video : .image
            if tSegments.count == transformationEnd {  // contiguous: parse in place, offsets are path offsets
                rawTransformation = src.string(firstT.start, lastT.end)
                transformation = Transformation(
                    components: try Parser.chain(src, firstT.start, lastT.end, media: media, named: named).components)
            } else {
                rawTransformation = tSegments.map(text).joined(separator: "/")
                do throws(TransformationError) {
                    transformation = try Transformation(parsing: rawTransformation, named: named, media: media)
                } catch {
                    throw error.shifted(by: firstT.start)
                }
            }
        }

        // Public id.
        var idSegments = Array(rest[idStart...])
        if remoteAt == nil { idSegments = idSegments.filter { $0.start < $0.end } }
        guard let lastSegment = idSegments.last, lastSegment.start < lastSegment.end else {
            throw fail("missing public id", n)
        }
        var urlSuffix: String?
        var format: String?
        var rawID: String
        var rawExt: String?
        if remoteAt != nil {
            rawID = src.string(idSegments[0].start, n)
        } else {
            var idEnd = lastSegment.end
            if let dot = lastDot(lastSegment) {
                rawExt = src.string(dot + 1, lastSegment.end)
                idEnd = dot
            }
            if form == .suffix {
                guard idSegments.count >= 2 else {
                    throw fail("the \"\(head)/\" form needs \"<public_id>/<suffix>.<ext>\"", lastSegment.start)
                }
                urlSuffix = try decode(lastSegment.start, idEnd)
                idSegments.removeLast()
                rawID = idSegments.map(text).joined(separator: "/")
            } else {
                let pieces = idSegments.dropLast().map(text) + [src.string(lastSegment.start, idEnd)]
                rawID = pieces.joined(separator: "/")
            }
            if let ext = rawExt, !ext.isEmpty { format = ext.lowercased() }
        }
        guard !rawID.isEmpty else { throw fail("missing public id", lastSegment.start) }
        var publicID = try decode(rawID, at: idSegments[0].start)
        var rawSource = rawID
        if let rawExt {
            rawSource += "." + rawExt
            if resourceType == "raw" { publicID += "." + (try decode(rawExt, at: lastSegment.start)) }
        }
        return DeliveryURL(
            cloudName: cloud, resourceType: resourceType, type: type, signature: signature,
            transformation: transformation, rawTransformation: rawTransformation, version: version,
            publicID: publicID, format: format, urlSuffix: urlSuffix, form: form, rawSource: rawSource)
    }

    func isVersion(_ s: Segment) -> Bool {
        s.end - s.start >= 2 && src[s.start] == 0x76 && src.all(s.start + 1, s.end, ASCII.isDigit)
    }

    /// A segment is a transformation component when it contains `,` or its first key is a known key.
    func looksLikeTransformation(_ s: Segment) -> Bool {
        guard s.start < s.end else { return true }
        if src.firstIndex(of: 0x2C, s.start, s.end) != nil { return true }
        guard let us = src.firstIndex(of: 0x5F, s.start, s.end) else { return false }
        if src[s.start] == 0x24 { return true }
        return KeyTable.lookup(src, s.start, us) != nil
    }

    func lastDot(_ s: Segment) -> Int? {
        var j = s.end
        while j > s.start {
            j -= 1
            if src[j] == 0x2E { return j > s.start ? j : nil }
        }
        return nil
    }

    func decode(_ a: Int, _ b: Int) throws(TransformationError) -> String {
        try decode(src.string(a, b), at: a)
    }

    func decode(_ raw: String, at offset: Int) throws(TransformationError) -> String {
        guard let decoded = PercentCoding.decode(raw) else {
            throw fail("invalid percent-encoding in public id \"\(raw)\"", offset)
        }
        return decoded
    }
}
