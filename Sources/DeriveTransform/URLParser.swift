/// Splits a delivery URL path into its parts (see ``DeliveryURL``). Works on the path's bytes; the
/// transformation is parsed in place, so error offsets are offsets in the path.
struct URLParser {
    let src: Source
    let expectedCloud: String?

    typealias Segment = (start: Int, end: Int)

    func fail(_ reason: String, _ offset: Int?) -> TransformationError {
        TransformationError(reason: reason, offset: offset)
    }

    func text(_ s: Segment) -> String { src.string(s.start, s.end) }

    func isEmpty(_ s: Segment) -> Bool { s.start == s.end }

    func isResourceTypeOrShortForm(_ s: Segment) -> Bool {
        for word: StaticString in ["image", "video", "raw", "images", "files", "iu"]
        where src.equals(s.start, s.end, word) {
            return true
        }
        return false
    }

    func parse(named: (String) -> String?) throws(TransformationError) -> DeliveryURL {
        var n = src.bytes.count
        if let q = src.firstIndex(of: 0x3F, 0, n) { n = q }
        if let h = src.firstIndex(of: 0x23, 0, n) { n = h }
        var segments: [Segment] = []
        segments.reserveCapacity(12)
        var i = 0
        while i <= n {
            let j = src.firstIndex(of: 0x2F, i, n) ?? n
            segments.append((i, j))
            i = j + 1
        }
        // Skip the empty segment before a leading "/" (and any further empty ones).
        var idx = 0
        while idx < segments.count, isEmpty(segments[idx]) { idx += 1 }
        guard idx < segments.count else { throw fail("empty delivery URL path", 0) }

        var cloud: String?
        let first = segments[idx]
        if let expectedCloud {
            if Keywords.match(src, first.start, first.end, expectedCloud) {
                cloud = expectedCloud
                idx += 1
            } else if !isResourceTypeOrShortForm(first) {
                throw fail("unknown cloud name \"\(text(first))\" (expected \"\(expectedCloud)\")", first.start)
            }
        } else if !isResourceTypeOrShortForm(first) {
            cloud = text(first)
            idx += 1
        }
        guard idx < segments.count else { throw fail("missing resource type and public id", n) }

        var resourceType = "image"
        var type = "upload"
        var form = DeliveryURL.Form.standard
        let head = segments[idx]
        if src.equals(head.start, head.end, "image") || src.equals(head.start, head.end, "video")
            || src.equals(head.start, head.end, "raw")
        {
            resourceType = text(head)
            guard idx + 1 < segments.count else { throw fail("missing delivery type after \"\(resourceType)\"", n) }
            let t = segments[idx + 1]
            type = src.equals(t.start, t.end, "upload") ? "upload" : text(t)
            guard type == "upload" || Vocabulary.deliveryTypes.contains(type) else {
                throw fail(
                    "unknown delivery type \"\(type)\""
                        + Suggestions.hint(for: type, in: Vocabulary.deliveryTypes.sorted()), t.start)
            }
            idx += 2
        } else if src.equals(head.start, head.end, "images") {
            form = .suffix
            idx += 1
        } else if src.equals(head.start, head.end, "files") {
            resourceType = "raw"
            form = .suffix
            idx += 1
        } else if src.equals(head.start, head.end, "iu") {
            form = .shortened
            idx += 1
        } else {
            guard cloud != nil else { throw fail("expected a resource type, found \"\(text(head))\"", head.start) }
            form = .rootPath
        }
        guard idx < segments.count else { throw fail("missing public id", n) }

        // Signature.
        var signature: String?
        let s = segments[idx]
        if src.hasPrefix(s.start, s.end, "s--"), s.end - s.start >= 6, src[s.end - 1] == 0x2D, src[s.end - 2] == 0x2D {
            signature = src.string(s.start + 3, s.end - 2)
            idx += 1
        }
        guard idx < segments.count else { throw fail("missing public id", n) }

        // A remote URL (fetch) starts at the first segment beginning with http: or https:.
        var remoteAt: Int?
        if type == "fetch" {
            for k in idx..<segments.count
            where src.hasPrefix(segments[k].start, n, "http:") || src.hasPrefix(segments[k].start, n, "https:") {
                remoteAt = k
                break
            }
        }
        let idLimit = remoteAt ?? segments.count - 1  // the last segment always belongs to the public id

        // Version: the first v<digits> before the public id's last segment ends the transformations;
        // without one, leading segments that look like transformation components are taken.
        var version: Int?
        var transformationEnd = idx
        var idStart = idx
        if let k = (idx..<idLimit).first(where: { isVersion(segments[$0]) }) {
            let v = segments[k]
            guard let number = src.int(v.start + 1, v.end) else {
                throw fail("invalid version \"\(text(v))\"", v.start)
            }
            version = number
            transformationEnd = k
            idStart = k + 1
        } else {
            while transformationEnd < idLimit, looksLikeTransformation(segments[transformationEnd]) {
                transformationEnd += 1
            }
            idStart = transformationEnd
        }

        // Transformation (empty segments are dropped, as the SDK collapses "//").
        var rawTransformation = ""
        var transformation = Transformation.empty
        let media: MediaKind = resourceType == "video" ? .video : .image
        var tFirst = idx
        while tFirst < transformationEnd, isEmpty(segments[tFirst]) { tFirst += 1 }
        var tLast = transformationEnd - 1
        while tLast >= tFirst, isEmpty(segments[tLast]) { tLast -= 1 }
        if tFirst <= tLast {
            let a = segments[tFirst].start
            let b = segments[tLast].end
            if !(tFirst...tLast).contains(where: { isEmpty(segments[$0]) }) {
                rawTransformation = src.string(a, b)
                transformation = Transformation(
                    components: try Parser.chain(src, a, b, media: media, named: named).components)
            } else {
                rawTransformation = (tFirst...tLast).filter { !isEmpty(segments[$0]) }.map { text(segments[$0]) }
                    .joined(separator: "/")
                do throws(TransformationError) {
                    transformation = try Transformation(parsing: rawTransformation, named: named, media: media)
                } catch {
                    throw error.shifted(by: a)
                }
            }
        }

        // Public id.
        var urlSuffix: String?
        var format: String?
        var rawID: String
        var rawExt: String?
        let last = segments[segments.count - 1]
        var idSegments = idStart..<segments.count
        if remoteAt == nil {
            guard !isEmpty(last) else { throw fail("missing public id", n) }
            while idSegments.lowerBound < idSegments.upperBound, isEmpty(segments[idSegments.lowerBound]) {
                idSegments = (idSegments.lowerBound + 1)..<idSegments.upperBound
            }
        }
        guard !idSegments.isEmpty else { throw fail("missing public id", n) }
        let idOffset = segments[idSegments.lowerBound].start
        if remoteAt != nil {
            rawID = src.string(idOffset, n)
        } else {
            var idEnd = last.end
            if let dot = lastDot(last) {
                rawExt = src.string(dot + 1, last.end)
                idEnd = dot
            }
            var lastIDSegment = idSegments.upperBound - 1
            if form == .suffix {
                guard idSegments.count >= 2 else {
                    throw fail("the \"\(text(head))/\" form needs \"<public_id>/<suffix>.<ext>\"", last.start)
                }
                urlSuffix = try decode(last.start, idEnd)
                lastIDSegment -= 1
                idEnd = segments[lastIDSegment].end
            }
            let range = idSegments.lowerBound...lastIDSegment
            if range.contains(where: { isEmpty(segments[$0]) }) {
                rawID = range.filter { !isEmpty(segments[$0]) }.map { segments[$0] }
                    .map { $0.end == last.end ? src.string($0.start, idEnd) : text($0) }.joined(separator: "/")
            } else {
                rawID = src.string(idOffset, idEnd)
            }
            if let ext = rawExt, !ext.isEmpty { format = ext.lowercased() }
        }
        guard !rawID.isEmpty else { throw fail("missing public id", idOffset) }
        var publicID = try decode(rawID, at: idOffset)
        var rawSource = rawID
        if let rawExt {
            rawSource += "." + rawExt
            if resourceType == "raw" { publicID += "." + (try decode(rawExt, at: last.start)) }
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
