/// Parses one `key_value` parameter into a ``TransformParameter``.
struct ParameterParser {
    let src: Source
    let start: Int
    let end: Int
    let component: Int
    let media: MediaKind
    var keyEnd: Int
    var valueStart: Int

    init(src: Source, start: Int, end: Int, component: Int, media: MediaKind) {
        self.src = src
        self.start = start
        self.end = end
        self.component = component
        self.media = media
        keyEnd = end
        valueStart = end
    }

    /// The error for this parameter, pointing at `offset`.
    func fail(_ reason: String, _ offset: Int) -> TransformationError {
        TransformationError(
            reason: reason, component: component, parameter: src.string(start, keyEnd), offset: offset)
    }

    mutating func parse(wholeComponent: Bool) throws(TransformationError) -> (TransformParameter, ParameterKey) {
        guard let us = src.firstIndex(of: 0x5F, start, end) else {
            keyEnd = end
            throw missingValue(wholeComponent: wholeComponent)
        }
        keyEnd = us
        valueStart = us + 1
        if src[start] == 0x24 {  // $name_value
            guard ExpressionSyntax.isVariableName(src, start + 1, us) else {
                throw fail(
                    "invalid variable name \"\(src.string(start, us))\" (a letter, then letters or digits)", start)
            }
            guard valueStart < end else { throw fail("missing value for variable \"\(src.string(start, us))\"", end) }
            let value = try ExpressionSyntax.parse(src, valueStart, end, fail: fail)
            return (.variable(name: src.string(start + 1, us), value: value), .variable)
        }
        guard let key = KeyTable.lookup(src, start, us) else {
            let word = src.string(start, us)
            throw fail(
                "unknown parameter \"\(word)\"" + Suggestions.hint(for: word, in: ParameterKey.suggestable), start)
        }
        guard valueStart < end else { throw fail("missing value after \"\(key.text)_\"", end) }
        return (try value(for: key), key)
    }

    func missingValue(wholeComponent: Bool) -> TransformationError {
        let word = src.string(start, end)
        if KeyTable.lookup(src, start, end) != nil {
            return fail("missing value: expected \"\(word)_<value>\"", end)
        }
        if wholeComponent, Vocabulary.formatSet.contains(word.lowercased()) {
            return fail(
                "\"\(word)\" is not a parameter: a bare format is only valid as the extension of an eager or derived key; use \"f_\(word)\" or the URL extension",
                start)
        }
        if src[start] == 0x24 {
            return fail("variable \"\(word)\" needs a value: \"\(word)_<value>\"", end)
        }
        return fail("expected \"key_value\", found \"\(word)\"", start)
    }

    // MARK: - Dispatch

    func value(for key: ParameterKey) throws(TransformationError) -> TransformParameter {
        let a = valueStart
        let b = end
        switch key {
        case .w: return .width(try size(a, b, auto: true, negative: false))
        case .h: return .height(try size(a, b, auto: true, negative: false))
        case .x: return .x(try size(a, b, auto: false, negative: true))
        case .y: return .y(try size(a, b, auto: false, negative: true))
        case .c: return .crop(try crop(a, b))
        case .g: return .gravity(try gravity(a, b))
        case .q: return .quality(try quality(a, b))
        case .f: return .format(try format(a, b))
        case .ar: return .aspectRatio(try aspectRatio(a, b))
        case .z: return .zoom(try number(a, b, what: "zoom", min: 0, max: nil))
        case .o: return .opacity(try number(a, b, what: "opacity", min: 0, max: 100))
        case .dpr: return .dpr(try dpr(a, b))
        case .r: return .radius(try radius(a, b))
        case .a: return .angle(try angles(a, b))
        case .e: return .effect(try effect(a, b))
        case .bo: return .border(try border(a, b))
        case .b: return .background(try background(a, b))
        case .co: return .color(try color(a, b))
        case .l: return .overlay(try layer(a, b))
        case .u: return .underlay(try layer(a, b))
        case .fl: return .flags(try flags(a, b))
        case .t: return .named(NamedTransformation(names: try names(a, b)))
        case .d: return .defaultImage(try free(a, b, what: "default image"))
        case .pg: return .page(try free(a, b, what: "page"))
        case .dn: return .density(try number(a, b, what: "density", min: 1, max: nil))
        case .dl: return .delay(try number(a, b, what: "delay", min: 0, max: nil))
        case .cs: return .colorSpace(try colorSpace(a, b))
        case .p: return .prefix(try free(a, b, what: "prefix"))
        case .fn: return .customFunction(try customFunction(a, b))
        case .if: return .condition(try condition(a, b))
        case .ac, .af, .br, .du, .eo, .fps, .ki, .so, .sp, .vc, .vs:
            let vk = VideoKey(rawValue: key.text) ?? .du
            guard media == .video else {
                throw fail(
                    "\"\(key.text)\" (\(vk.optionName)) is a video-only parameter and cannot be used with images",
                    start)
            }
            return .video(vk, try free(a, b, what: vk.optionName))
        case .variable:
            throw fail("unexpected variable", start)
        }
    }

    // MARK: - Numbers and sizes

    func size(_ a: Int, _ b: Int, auto: Bool, negative: Bool) throws(TransformationError) -> SizeValue {
        if auto, src.hasPrefix(a, b, "auto") {
            if b - a == 4 { return .auto(nil) }
            if src[a + 4] == 0x3A {
                guard src.all(a + 5, b, { ASCII.isWord($0) || $0 == 0x3A || $0 == 0x2E }) else {
                    throw fail("invalid auto options \"\(src.string(a + 5, b))\"", a + 5)
                }
                return .auto(src.string(a + 5, b))
            }
        }
        if !auto, src.hasPrefix(a, b, "auto") {
            throw fail("\"auto\" is only valid for w and h", a)
        }
        let c = src[a]
        if ASCII.isDigit(c) || c == 0x2D, src.firstIndex(of: 0x5F, a, b) == nil {
            switch src.number(a, b) {
            case .int(let v)?:
                if v < 0 && !negative { throw fail("must not be negative (found \(v))", a) }
                return .pixels(v)
            case .decimal(let d)?:
                if d < 0 && !negative { throw fail("must not be negative (found \(src.string(a, b)))", a) }
                return .relative(d)
            case nil:
                throw fail("expected a number, a variable or an expression, found \"\(src.string(a, b))\"", a)
            }
        }
        let e = try ExpressionSyntax.parse(src, a, b, fail: fail)
        if e.tokens.count == 1, case .variable(let name) = e.tokens[0] { return .variable(name) }
        return .expression(e)
    }

    func number(_ a: Int, _ b: Int, what: String, min: Int?, max: Int?) throws(TransformationError) -> NumberValue {
        let c = src[a]
        if ASCII.isDigit(c) || c == 0x2D, src.firstIndex(of: 0x5F, a, b) == nil {
            let n = src.number(a, b)
            let v: Double
            let result: NumberValue
            switch n {
            case .int(let i)?:
                v = Double(i)
                result = .int(i)
            case .decimal(let d)?:
                v = d
                result = .decimal(d)
            case nil: throw fail("expected a number for \(what), found \"\(src.string(a, b))\"", a)
            }
            if let min, v < Double(min) { throw fail("\(what) must be at least \(min) (found \(src.string(a, b)))", a) }
            if let max, v > Double(max) { throw fail("\(what) must be at most \(max) (found \(src.string(a, b)))", a) }
            return result
        }
        let e = try ExpressionSyntax.parse(src, a, b, fail: fail)
        if e.tokens.count == 1, case .variable(let name) = e.tokens[0] { return .variable(name) }
        return .expression(e)
    }

    func aspectRatio(_ a: Int, _ b: Int) throws(TransformationError) -> AspectRatio {
        if let colon = src.firstIndex(of: 0x3A, a, b) {
            guard let w = src.int(a, colon), let h = src.int(colon + 1, b), w > 0, h > 0 else {
                throw fail(
                    "expected an aspect ratio \"<width>:<height>\" with positive integers, found \"\(src.string(a, b))\"",
                    a)
            }
            return .ratio(w, h)
        }
        return .number(try number(a, b, what: "aspect ratio", min: 0, max: nil))
    }

    func dpr(_ a: Int, _ b: Int) throws(TransformationError) -> DPR {
        if src.equals(a, b, "auto") { return .auto }
        let n = try number(a, b, what: "dpr", min: 0, max: nil)
        if let d = n.doubleValue, d <= 0 { throw fail("dpr must be greater than 0", a) }
        return .value(n)
    }

    func radius(_ a: Int, _ b: Int) throws(TransformationError) -> Radius {
        if src.equals(a, b, "max") { return .max }
        var corners: [NumberValue] = []
        var i = a
        while true {
            let j = src.firstIndex(of: 0x3A, i, b) ?? b
            guard i < j else { throw fail("empty radius value", i) }
            corners.append(try number(i, j, what: "radius", min: 0, max: nil))
            if j == b { break }
            i = j + 1
        }
        guard corners.count <= 4 else { throw fail("radius takes 1 to 4 values, found \(corners.count)", a) }
        return .corners(corners)
    }

    // MARK: - Keywords

    func crop(_ a: Int, _ b: Int) throws(TransformationError) -> CropMode {
        if let m = Keywords.crop(src, a, b) { return m }
        let word = src.string(a, b)
        throw fail(
            "unknown crop mode \"\(word)\"" + Suggestions.hint(for: word, in: CropMode.allCases.map(\.rawValue)), a)
    }

    func gravity(_ a: Int, _ b: Int) throws(TransformationError) -> Gravity {
        if let c = Keywords.compass(src, a, b) { return .compass(c) }
        let colon = src.firstIndex(of: 0x3A, a, b) ?? b
        let option: String? = colon < b ? src.string(colon + 1, b) : nil
        func check(_ allowed: [String]) throws(TransformationError) {
            if let option, !allowed.contains(option) {
                throw fail(
                    "unknown option \"\(option)\" for gravity \"\(src.string(a, colon))\"; expected one of "
                        + allowed.map { "\"\($0)\"" }.joined(separator: ", "), colon + 1)
            }
        }
        if colon < b, colon + 1 == b { throw fail("empty gravity option", b) }
        if src.equals(a, colon, "auto") {
            if let option, !src.all(colon + 1, b, { ASCII.isWord($0) || $0 == 0x3A }) {
                throw fail("invalid auto gravity option \"\(option)\"", colon + 1)
            }
            return .auto(option)
        }
        if src.equals(a, colon, "face") {
            try check(["center", "auto"])
            return .face(option)
        }
        if src.equals(a, colon, "faces") {
            try check(["center", "auto"])
            return .faces(option)
        }
        if src.equals(a, colon, "custom") {
            try check(["face", "faces", "adv_face", "adv_faces"])
            return .custom(option)
        }
        if src.equals(a, colon, "ocr_text") {
            try check(["adv_ocr"])
            return .ocrText(option)
        }
        if option == nil {
            if src.equals(a, b, "xy_center") { return .xyCenter }
            if src.equals(a, b, "adv_face") { return .advancedFace }
            if src.equals(a, b, "adv_faces") { return .advancedFaces }
            if src.equals(a, b, "adv_eyes") { return .advancedEyes }
            if src.equals(a, b, "liquid") { return .liquid }
        }
        let word = src.string(a, b)
        throw fail("unknown gravity \"\(word)\"" + Suggestions.hint(for: word, in: Vocabulary.gravities), a)
    }

    func quality(_ a: Int, _ b: Int) throws(TransformationError) -> Quality {
        if src.hasPrefix(a, b, "auto") {
            if b - a == 4 { return .auto(nil) }
            if src[a + 4] == 0x3A {
                let level = src.string(a + 5, b)
                guard Vocabulary.qualityLevels.contains(level) else {
                    throw fail(
                        "unknown quality level \"\(level)\"; expected best, good, eco or low"
                            + Suggestions.hint(for: level, in: Vocabulary.qualityLevels), a + 5)
                }
                return .auto(level)
            }
        }
        if src.equals(a, b, "jpegmini") { return .jpegmini }
        let c = src[a]
        if c == 0x24 || c == 0x21 || src.firstIndex(of: 0x5F, a, b) != nil {
            let e = try ExpressionSyntax.parse(src, a, b, fail: fail)
            if e.tokens.count == 1, case .variable(let name) = e.tokens[0] { return .variable(name) }
            return .expression(e)
        }
        guard ASCII.isDigit(c) || c == 0x2D else {
            let word = src.string(a, b)
            throw fail("unknown quality \"\(word)\"" + Suggestions.hint(for: word, in: ["auto", "jpegmini"]), a)
        }
        let colon = src.firstIndex(of: 0x3A, a, b) ?? b
        guard let q = src.int(a, colon) else {
            throw fail("expected a quality from 1 to 100, \"auto\" or \"jpegmini\", found \"\(src.string(a, b))\"", a)
        }
        guard (1...100).contains(q) else { throw fail("quality must be from 1 to 100 (found \(q))", a) }
        var chroma: Int?
        if colon < b {
            guard let c = src.int(colon + 1, b), c == 420 || c == 422 || c == 444 else {
                throw fail(
                    "chroma subsampling must be 420, 422 or 444, found \"\(src.string(colon + 1, b))\"", colon + 1)
            }
            chroma = c
        }
        return .value(q, chroma: chroma)
    }

    func format(_ a: Int, _ b: Int) throws(TransformationError) -> FormatValue {
        if src.equals(a, b, "auto") { return .auto }
        if let f = Keywords.format(src, a, b) { return .named(f) }
        let word = src.string(a, b).lowercased()
        guard Vocabulary.formatSet.contains(word) else {
            throw fail(
                "unknown format \"\(src.string(a, b))\"" + Suggestions.hint(for: word, in: Vocabulary.formats), a)
        }
        return .named(word)
    }

    func colorSpace(_ a: Int, _ b: Int) throws(TransformationError) -> String {
        let word = src.string(a, b)
        if Vocabulary.colorSpaces.contains(word) { return word }
        if src.hasPrefix(a, b, "icc:") {
            guard b - a > 4 else { throw fail("missing public id after \"icc:\"", b) }
            return word
        }
        throw fail(
            "unknown colour space \"\(word)\"" + Suggestions.hint(for: word, in: Vocabulary.colorSpaces + ["icc"]), a)
    }

    func customFunction(_ a: Int, _ b: Int) throws(TransformationError) -> String {
        for prefix: StaticString in ["wasm:", "remote:", "pre:remote:"] where src.hasPrefix(a, b, prefix) {
            let p = a + prefix.utf8CodeUnitCount
            if p < b, src.all(p, b, ASCII.isValueByte) { return src.string(a, b) }
        }
        throw fail("expected \"wasm:<public_id>\", \"remote:<base64url>\" or \"pre:remote:<base64url>\"", a)
    }

    func condition(_ a: Int, _ b: Int) throws(TransformationError) -> Condition {
        if src.equals(a, b, "else") { return .otherwise }
        if src.equals(a, b, "end") { return .end }
        return .when(try ExpressionSyntax.parse(src, a, b, fail: fail))
    }

    /// A free-form value: printable bytes other than `,` and `/`.
    func free(_ a: Int, _ b: Int, what: String) throws(TransformationError) -> String {
        var i = a
        while i < b {
            guard ASCII.isValueByte(src[i]) else { throw fail("invalid character in \(what)", i) }
            i += 1
        }
        return src.string(a, b)
    }

    func names(_ a: Int, _ b: Int) throws(TransformationError) -> [String] {
        var result: [String] = []
        var i = a
        while true {
            let j = src.firstIndex(of: 0x2E, i, b) ?? b
            guard i < j else { throw fail("empty named transformation name", i) }
            guard src.all(i, j, ASCII.isWord) else {
                throw fail("invalid named transformation name \"\(src.string(i, j))\"", i)
            }
            result.append(src.string(i, j))
            if j == b { break }
            i = j + 1
        }
        return result
    }
}
