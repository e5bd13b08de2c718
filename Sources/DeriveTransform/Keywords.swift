/// Keyword tables matched directly on bytes with `StaticString`s (no String creation or reference counting
/// on the parsing hot path).
enum Keywords {
    static let crops: [(StaticString, CropMode)] = [
        ("fill", .fill), ("scale", .scale), ("fit", .fit), ("limit", .limit), ("pad", .pad), ("crop", .crop),
        ("thumb", .thumb), ("lfill", .lfill), ("mfit", .mfit), ("lpad", .lpad), ("mpad", .mpad),
        ("fill_pad", .fillPad), ("auto", .auto), ("auto_pad", .autoPad), ("imagga_crop", .imaggaCrop),
        ("imagga_scale", .imaggaScale),
    ]

    static let compasses: [(StaticString, Compass)] = [
        ("center", .center), ("north", .north), ("south", .south), ("east", .east), ("west", .west),
        ("north_west", .northWest), ("north_east", .northEast), ("south_west", .southWest), ("south_east", .southEast),
    ]

    /// Formats written most often, returned as immortal literals.
    static let commonFormats: [(StaticString, String)] = [
        ("jpg", "jpg"), ("png", "png"), ("webp", "webp"), ("avif", "avif"), ("gif", "gif"), ("jpeg", "jpeg"),
    ]

    @inline(__always) static func crop(_ src: Source, _ a: Int, _ b: Int) -> CropMode? {
        for i in crops.indices where src.equals(a, b, crops[i].0) { return crops[i].1 }
        return nil
    }

    @inline(__always) static func compass(_ src: Source, _ a: Int, _ b: Int) -> Compass? {
        for i in compasses.indices where src.equals(a, b, compasses[i].0) { return compasses[i].1 }
        return nil
    }

    @inline(__always) static func format(_ src: Source, _ a: Int, _ b: Int) -> String? {
        for i in commonFormats.indices where src.equals(a, b, commonFormats[i].0) { return commonFormats[i].1 }
        return nil
    }

    /// Byte-compares `a..<b` with a String (used for the rarer tables).
    @inline(__always) static func match(_ src: Source, _ a: Int, _ b: Int, _ s: String) -> Bool {
        var s = s
        return s.withUTF8 { u in
            guard u.count == b - a else { return false }
            var i = 0
            while i < u.count {
                if u[i] != src[a + i] { return false }
                i += 1
            }
            return true
        }
    }
}

/// A closed word list bucketed by first byte for fast membership tests on bytes (flat storage, no
/// reference counting while searching).
struct WordTable: Sendable {
    private let bytes: [UInt8]
    private let entries: [(start: Int, count: Int)]  // sorted by first byte
    private let buckets: [Int]  // 257 starts into `entries`

    init(_ list: [String]) {
        let sorted = list.map { Array($0.utf8) }.filter { !$0.isEmpty }.sorted { $0[0] < $1[0] }
        var bytes: [UInt8] = []
        var entries: [(start: Int, count: Int)] = []
        var buckets = [Int](repeating: sorted.count, count: 257)
        for (i, w) in sorted.enumerated() {
            if buckets[Int(w[0])] == sorted.count { buckets[Int(w[0])] = i }
            entries.append((bytes.count, w.count))
            bytes += w
        }
        for b in stride(from: 255, through: 0, by: -1) where buckets[b] == sorted.count { buckets[b] = buckets[b + 1] }
        self.bytes = bytes
        self.entries = entries
        self.buckets = buckets
    }

    /// Whether `a..<b` of `src` is one of the words.
    func contains(_ src: Source, _ a: Int, _ b: Int) -> Bool {
        guard a < b else { return false }
        let first = Int(src[a])
        let n = b - a
        return bytes.withUnsafeBufferPointer { flat in
            var i = buckets[first]
            let end = buckets[first + 1]
            while i < end {
                let e = entries[i]
                if e.count == n {
                    var k = 1
                    while k < n, flat[e.start + k] == src[a + k] { k += 1 }
                    if k == n { return true }
                }
                i += 1
            }
            return false
        }
    }
}

extension CropMode {
    /// The URL spelling as a `StaticString`.
    var literal: StaticString {
        switch self {
        case .scale: "scale"
        case .fit: "fit"
        case .limit: "limit"
        case .mfit: "mfit"
        case .fill: "fill"
        case .lfill: "lfill"
        case .fillPad: "fill_pad"
        case .crop: "crop"
        case .thumb: "thumb"
        case .pad: "pad"
        case .lpad: "lpad"
        case .mpad: "mpad"
        case .auto: "auto"
        case .autoPad: "auto_pad"
        case .imaggaCrop: "imagga_crop"
        case .imaggaScale: "imagga_scale"
        }
    }
}

extension Compass {
    /// The URL spelling as a `StaticString`.
    var literal: StaticString {
        switch self {
        case .northWest: "north_west"
        case .north: "north"
        case .northEast: "north_east"
        case .west: "west"
        case .center: "center"
        case .east: "east"
        case .southWest: "south_west"
        case .south: "south"
        case .southEast: "south_east"
        }
    }
}
