/// Value grammars with structure: angles, effects, flags, colours, borders, backgrounds, layers.
extension ParameterParser {
    /// `a_90.hflip`: `.`-separated; a `.` between digits is a decimal point (`a_12.5`). At most one element
    /// is a number of degrees (so `a_1.-0` cannot print back as `a_1.0`).
    func angles(_ a: Int, _ b: Int) throws(TransformationError) -> [Angle] {
        var result: [Angle] = []
        var i = a
        while i <= b {
            var j = i
            var dotInNumber = false
            while j < b {
                let c = src[j]
                if c == 0x5F {
                    dotInNumber = false
                } else if c == 0x2E {
                    let decimal =
                        j > i && ASCII.isDigit(src[j - 1]) && j + 1 < b && ASCII.isDigit(src[j + 1]) && !dotInNumber
                    if !decimal { break }
                    dotInNumber = true
                }
                j += 1
            }
            guard i < j else { throw fail("empty angle in list", i) }
            let element = try angle(i, j)
            if case .degrees = element, result.contains(where: { if case .degrees = $0 { true } else { false } }) {
                throw fail("an angle list takes at most one number of degrees, found \"\(src.string(i, j))\"", i)
            }
            result.append(element)
            i = j + 1
        }
        return result
    }

    func angle(_ a: Int, _ b: Int) throws(TransformationError) -> Angle {
        if src.equals(a, b, "auto_right") { return .autoRight }
        if src.equals(a, b, "auto_left") { return .autoLeft }
        if src.equals(a, b, "ignore") { return .ignore }
        if src.equals(a, b, "vflip") { return .vflip }
        if src.equals(a, b, "hflip") { return .hflip }
        if ASCII.isAlpha(src[a]), src.all(a, b, ASCII.isAlpha) {
            let word = src.string(a, b)
            if !ExpressionSyntax.isName(src, a, b) {
                throw fail(
                    "unknown angle \"\(word)\""
                        + Suggestions.hint(for: word, in: ["auto_right", "auto_left", "ignore", "vflip", "hflip"]), a)
            }
        }
        return .degrees(try number(a, b, what: "angle", min: nil, max: nil))
    }

    /// `e_name[:arg…]`.
    func effect(_ a: Int, _ b: Int) throws(TransformationError) -> Effect {
        let colon = src.firstIndex(of: 0x3A, a, b) ?? b
        guard a < colon else { throw fail("missing effect name", a) }
        let name = src.string(a, colon)
        guard Vocabulary.effectTable.contains(src, a, colon) else {
            throw fail("unknown effect \"\(name)\"" + Suggestions.hint(for: name, in: Vocabulary.effects), a)
        }
        var args: [String] = []
        var i = colon + 1
        while colon < b && i <= b {
            let j = src.firstIndex(of: 0x3A, i, b) ?? b
            guard i < j else { throw fail("empty argument for effect \"\(name)\"", i) }
            guard src.all(i, j, ASCII.isValueByte) else { throw fail("invalid character in effect argument", i) }
            if args.isEmpty, Vocabulary.numericEffects.contains(name) {
                let isVariable = src[i] == 0x24 && ExpressionSyntax.isVariableName(src, i + 1, j)
                guard isVariable || src.int(i, j) != nil else {
                    throw fail("effect \"\(name)\" expects an integer argument, found \"\(src.string(i, j))\"", i)
                }
            }
            args.append(src.string(i, j))
            i = j + 1
        }
        return Effect(name: name, arguments: args)
    }

    /// `fl_a.b[:arg]`.
    func flags(_ a: Int, _ b: Int) throws(TransformationError) -> [Flag] {
        var result: [Flag] = []
        var i = a
        while true {
            let j = src.firstIndex(of: 0x2E, i, b) ?? b
            guard i < j else { throw fail("empty flag in list", i) }
            let colon = src.firstIndex(of: 0x3A, i, j) ?? j
            let name = src.string(i, colon)
            guard Vocabulary.flagTable.contains(src, i, colon) else {
                throw fail("unknown flag \"\(name)\"" + Suggestions.hint(for: name, in: Vocabulary.flags), i)
            }
            var argument: String?
            if colon < j {
                guard colon + 1 < j, src.all(colon + 1, j, ASCII.isValueByte) else {
                    throw fail("invalid argument for flag \"\(name)\"", colon + 1)
                }
                argument = src.string(colon + 1, j)
            }
            result.append(Flag(name: name, argument: argument))
            if j == b { break }
            i = j + 1
        }
        return result
    }

    /// `red`, `rgb:ff0000`, `#ff0000`, `$color`.
    func color(_ a: Int, _ b: Int) throws(TransformationError) -> Color {
        if src.hasPrefix(a, b, "rgb:") || src[a] == 0x23 {
            let h = src[a] == 0x23 ? a + 1 : a + 4
            let n = b - h
            guard n == 3 || n == 4 || n == 6 || n == 8, src.all(h, b, ASCII.isHex) else {
                throw fail(
                    "expected 3, 4, 6 or 8 hex digits after \"\(src.string(a, h))\", found \"\(src.string(h, b))\"", h)
            }
            return .rgb(src.string(h, b))
        }
        if src[a] == 0x24 {
            guard ExpressionSyntax.isVariableName(src, a + 1, b) else {
                throw fail("invalid variable name \"\(src.string(a, b))\"", a)
            }
            return .variable(src.string(a + 1, b))
        }
        let word = src.string(a, b)
        guard src.all(a, b, ASCII.isAlpha), ColorNames.isKnown(word) else {
            throw fail(
                "unknown colour \"\(word)\" (expected a CSS colour name or \"rgb:<hex>\")"
                    + Suggestions.hint(for: word, in: ColorNames.names), a)
        }
        return .named(word)
    }

    /// `3px_solid_<color>`.
    func border(_ a: Int, _ b: Int) throws(TransformationError) -> Border {
        var i = a
        while i < b, ASCII.isDigit(src[i]) { i += 1 }
        guard i > a, let width = src.int(a, i), src.hasPrefix(i, b, "px_solid_"), i + 9 < b else {
            throw fail("expected a border \"<width>px_solid_<color>\", found \"\(src.string(a, b))\"", a)
        }
        return Border(width: width, color: try color(i + 9, b))
    }

    /// `b_<color>`, `b_auto[:…]`, `b_blurred[:…]`, `b_gen_fill[:…]`.
    func background(_ a: Int, _ b: Int) throws(TransformationError) -> Background {
        for (word, make) in [
            ("auto", Background.auto), ("blurred", Background.blurred), ("gen_fill", Background.generativeFill),
        ] {
            let n = word.utf8.count
            guard b - a >= n, Keywords.match(src, a, a + n, word) else { continue }
            if b - a == n { return make(nil) }
            if src[a + n] == 0x3A {
                guard a + n + 1 < b, src.all(a + n + 1, b, ASCII.isValueByte) else {
                    throw fail("invalid options for background \"\(word)\"", a + n + 1)
                }
                return make(src.string(a + n + 1, b))
            }
        }
        return .color(try color(a, b))
    }

    /// `l_<public_id>` (`:` for `/`), `l_text:<style>:<text>`, `l_fetch:<base64url>`, `l_<kind>:<id>`.
    func layer(_ a: Int, _ b: Int) throws(TransformationError) -> LayerSource {
        var i = a
        while i < b {
            guard ASCII.isValueByte(src[i]) else { throw fail("invalid character in layer", i) }
            i += 1
        }
        if src.hasPrefix(a, b, "text:") {
            let s = a + 5
            guard let colon = src.firstIndex(of: 0x3A, s, b), colon > s, colon + 1 < b else {
                throw fail("expected a text layer \"text:<font>_<size>[_<style>]:<text>\"", s)
            }
            let text = src.string(colon + 1, b)
            guard PercentCoding.decode(text) != nil else {
                throw fail("invalid percent-encoding in layer text", colon + 1)
            }
            let style = src.string(s, colon)
            return .text(TextLayer(style: style, text: text))
        }
        if src.hasPrefix(a, b, "fetch:") {
            guard a + 6 < b, src.all(a + 6, b, { ASCII.isAlnum($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x3D }) else {
                throw fail("expected \"fetch:<base64url of the URL>\"", a + 6)
            }
            return .fetch(src.string(a + 6, b))
        }
        if let colon = src.firstIndex(of: 0x3A, a, b) {
            let kind = src.string(a, colon)
            if ["lut", "video", "subtitles", "audio"].contains(kind) {
                guard colon + 1 < b else { throw fail("missing public id after \"\(kind):\"", b) }
                if media == .image && kind != "lut" {
                    throw fail("\"\(kind):\" layers are only valid for videos", a)
                }
                return .resource(kind: kind, publicID: idFromLayer(colon + 1, b))
            }
        }
        guard src[a] != 0x3A, src[b - 1] != 0x3A else {
            throw fail("invalid layer public id \"\(src.string(a, b))\"", a)
        }
        // A trailing `.ext` naming a known format is the layer's format.
        var j = b
        while j > a, src[j - 1] != 0x2E, src[j - 1] != 0x3A { j -= 1 }
        if j > a + 1, src[j - 1] == 0x2E {
            let ext = src.string(j, b).lowercased()
            if Vocabulary.formatSet.contains(ext) {
                return .image(publicID: idFromLayer(a, j - 1), format: ext)
            }
        }
        return .image(publicID: idFromLayer(a, b), format: nil)
    }

    /// A layer id with `:` turned into `/`.
    func idFromLayer(_ a: Int, _ b: Int) -> String {
        var s = src.string(a, b)
        if src.firstIndex(of: 0x3A, a, b) != nil {
            s = String(decoding: s.utf8.map { $0 == 0x3A ? 0x2F : $0 }, as: UTF8.self)
        }
        return s
    }
}
