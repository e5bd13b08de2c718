@testable import DeriveTransform

/// SplitMix64: a small seeded generator so property tests are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Named transformations known to the generator.
let generatorNamed: @Sendable (String) -> String? = { name in
    switch name {
    case "thumb": "c_fill,h_150,w_150"
    case "small": "w_50"
    case "fx": "e_sepia/e_grayscale"
    default: nil
    }
}

/// Generates random, well-formed transformation ASTs in normal form (what the parser produces).
struct ASTGenerator {
    var rng: SeededRandom
    var media: MediaKind = .image

    init(seed: UInt64, media: MediaKind = .image) {
        rng = SeededRandom(seed: seed)
        self.media = media
    }

    mutating func int(_ r: ClosedRange<Int>) -> Int { Int.random(in: r, using: &rng) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(0...(xs.count - 1))] }

    mutating func decimal(nonNegative: Bool = true) -> Double {
        let d: Double
        switch int(0...5) {
        case 0: d = Double(int(0...100)) / 4
        case 1: d = Double(int(0...1_000_000)) / 1000
        case 2: d = Double.random(in: 0..<10, using: &rng)
        case 3:
            d = pick([
                1e-7, 0.000015, 1e17, 123456789.125, 2.0, 0.1, 1e300, Double.leastNonzeroMagnitude,
                1.7976931348623157e308,
            ])
        default: d = Double(int(1...9)) / 10
        }
        return nonNegative || chance(0.5) ? d : -d
    }

    mutating func name() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let digits = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var s = String(pick(letters))
        for _ in 0..<int(0...4) { s.append(pick(digits)) }
        return s
    }

    mutating func word() -> String {
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var s = String(pick(Array("abcdefghijklmnopqrstuvwxyz")))
        for _ in 0..<int(0...6) { s.append(pick(chars)) }
        return s
    }

    mutating func operand(qualified: Bool) -> ExpressionToken {
        switch int(0...5) {
        case 0: return .int(int(-5...5000))
        case 1: return .decimal(decimal(nonNegative: false))
        case 2: return .variable(name())
        case 3: return .string(word() + (chance(0.3) ? "_" + word() : ""))
        default:
            let n = pick(ExpressionSyntax.names.filter { $0 != "ctx" && $0 != "md" })
            return qualified && chance(0.2) ? .name("ctx:!" + word() + "!") : .name(n)
        }
    }

    /// An expression with at least two operands (single tokens normalise to other cases).
    mutating func expression(qualified: Bool = false, minOperands: Int = 2) -> Expression {
        var tokens = [operand(qualified: qualified)]
        for _ in 1..<max(minOperands, int(minOperands...3)) {
            tokens.append(.op(pick(ExpressionOperator.allCases)))
            tokens.append(operand(qualified: qualified))
        }
        return Expression(tokens: tokens)
    }

    mutating func size(auto: Bool, negative: Bool) -> SizeValue {
        switch int(0...5) {
        case 0, 1: return .pixels(negative ? int(-500...5000) : int(0...5000))
        case 2: return .relative(decimal(nonNegative: !negative))
        case 3:
            let options: [SizeValue] = [.auto(nil), .auto("100:400"), .auto("breakpoints_200_1920_30_15:json")]
            return auto ? pick(options) : .pixels(1)
        case 4: return .variable(name())
        default: return .expression(expression())
        }
    }

    mutating func number(max: Int? = nil, positive: Bool = false) -> NumberValue {
        switch int(0...3) {
        case 0: return .int(int((positive ? 1 : 0)...(max ?? 10_000)))
        case 1: return .decimal(Double(int((positive ? 10 : 1)...(max ?? 100) * 10)) / 10)
        case 2: return .variable(name())
        default: return .expression(expression())
        }
    }

    mutating func color() -> Color {
        switch int(0...2) {
        case 0:
            let hex = Array("0123456789abcdefABCDEF")
            return .rgb(String((0..<pick([3, 4, 6, 8])).map { _ in pick(hex) }))
        case 1: return .named(pick(["red", "blue", "White", "rebeccapurple", "transparent", "lightgoldenrodyellow"]))
        default: return .variable(name())
        }
    }

    mutating func gravity() -> Gravity {
        let options: [Gravity] = [
            .compass(pick(Compass.allCases)), .xyCenter, .auto(nil), .auto("subject"), .auto("cat_avoid"), .face(nil),
            .face("center"), .faces("auto"), .custom(nil), .custom("adv_faces"), .advancedFace, .advancedFaces,
            .advancedEyes, .ocrText(nil), .ocrText("adv_ocr"), .liquid,
        ]
        return pick(options)
    }

    mutating func layer() -> LayerSource {
        switch int(0...3) {
        case 0:
            let id = (0..<int(1...3)).map { _ in word() }.joined(separator: "/")
            return .image(publicID: id, format: chance(0.3) ? pick(["png", "jpg", "webp"]) : nil)
        case 1:
            let style = pick(["Arial_40", "Times_70_bold", "Helvetica_12_italic_underline", "my_style"])
            return .text(TextLayer(style: style, text: pick(["Hello%20world", "Hi", "A%2C%20B:c", "Cool%25F0%259F"])))
        case 2: return .fetch(pick(["aHR0cDovL2V4YW1wbGUuY29tL2xvZ28ucG5n", "abc-_=", "Zm9v"]))
        default: return .resource(kind: "lut", publicID: word() + ".3dl")
        }
    }

    mutating func effect() -> Effect {
        let name = pick(Vocabulary.effects)
        var args: [String] = []
        if chance(0.5) {
            if Vocabulary.numericEffects.contains(name) {
                args.append(chance(0.8) ? String(int(-100...2000)) : "$" + self.name())
            } else {
                args.append(word())
            }
            if chance(0.3) { args.append(word()) }
        }
        return Effect(name: name, arguments: args)
    }

    mutating func angles() -> [Angle] {
        var list: [Angle] = []
        if chance(0.7) {
            let options: [NumberValue] = [
                .int(int(-360...360)), .decimal(Double(int(0...3600)) / 10), .variable(name()),
            ]
            list.append(.degrees(pick(options)))
        }
        for _ in 0..<int(list.isEmpty ? 1...3 : 0...2) {
            list.append(pick([Angle.autoRight, .autoLeft, .ignore, .vflip, .hflip]))
        }
        return list
    }

    mutating func parameter(_ key: ParameterKey) -> TransformParameter {
        switch key {
        case .w: return .width(size(auto: true, negative: false))
        case .h: return .height(size(auto: true, negative: false))
        case .x: return .x(size(auto: false, negative: true))
        case .y: return .y(size(auto: false, negative: true))
        case .c: return .crop(pick(CropMode.allCases))
        case .g: return .gravity(gravity())
        case .q:
            let options: [Quality] = [
                .value(int(1...100), chroma: pick([nil, 420, 422, 444])), .auto(nil),
                .auto(pick(["best", "good", "eco", "low"])), .jpegmini, .variable(name()), .expression(expression()),
            ]
            return .quality(pick(options))
        case .f: return .format(chance(0.3) ? .auto : .named(pick(Vocabulary.formats)))
        case .ar: return .aspectRatio(chance(0.5) ? .ratio(int(1...32), int(1...32)) : .number(number()))
        case .z: return .zoom(number())
        case .o: return .opacity(number(max: 100))
        case .dpr: return .dpr(chance(0.2) ? .auto : .value(number(positive: true)))
        case .r: return .radius(chance(0.2) ? .max : .corners((0..<int(1...4)).map { _ in number() }))
        case .a: return .angle(angles())
        case .e: return .effect(effect())
        case .bo: return .border(Border(width: int(0...20), color: color()))
        case .b:
            let options: [Background] = [
                .color(color()), .auto(nil), .auto("predominant"), .blurred("400:15"), .blurred(nil),
                .generativeFill(nil),
            ]
            return .background(pick(options))
        case .co: return .color(color())
        case .l: return .overlay(layer())
        case .u: return .underlay(layer())
        case .fl:
            return .flags(
                (0..<int(1...3)).map { _ in
                    let f = pick(Vocabulary.flags.filter { $0 != "layer_apply" })
                    return Flag(name: f, argument: f == "attachment" && chance(0.5) ? word() : nil)
                })
        case .t:
            let names = (0..<int(1...2)).map { _ in pick(["thumb", "small", "fx"]) }
            return .named(Self.resolve(names))
        case .d: return .defaultImage(pick(["avatar.png", "folder:avatar.png", "x.jpg"]))
        case .pg: return .page(pick(["1", "2-4", "1;3;5", "-1", "name:record_cover"]))
        case .dn: return .density(number(positive: true))
        case .dl: return .delay(number())
        case .cs: return .colorSpace(pick(Vocabulary.colorSpaces + ["icc:my_profile"]))
        case .p: return .prefix(word())
        case .fn: return .customFunction(pick(["wasm:f.wasm", "remote:aHR0cHM6Ly9leGFtcGxl", "pre:remote:Zm9v"]))
        case .if: return .condition(.when(expression(qualified: true, minOperands: 1)))
        case .variable: return .variable(name: name(), value: expression(qualified: true, minOperands: 1))
        case .ac, .af, .br, .du, .eo, .fps, .ki, .so, .sp, .vc, .vs:
            return .video(VideoKey(rawValue: key.text) ?? .du, pick(["5", "2.5", "50p", "h264:basic:3.1", "auto"]))
        }
    }

    static func resolve(_ names: [String]) -> NamedTransformation {
        var n = NamedTransformation(names: names)
        for name in names {
            if let d = generatorNamed(name), let t = try? Transformation(parsing: d) { n.expansion += t.components }
        }
        return n
    }

    mutating func component() -> TransformComponent {
        var keys = ParameterKey.allCases.filter { $0 != .variable && $0 != .if }
        if media == .image { keys = keys.filter { KeyKind.isImage($0) } }
        var params: [TransformParameter] = []
        for _ in 0..<int(1...5) {
            let k = pick(keys)
            keys.removeAll { $0 == k }
            params.append(parameter(k))
        }
        var used = Set<String>()
        for _ in 0..<(chance(0.2) ? int(1...3) : 0) {
            let p = parameter(.variable)
            if case .variable(let n, _) = p, used.insert(n).inserted { params.append(p) }
        }
        if chance(0.15) { params.append(parameter(.if)) }
        return TransformComponent(parameters: params)
    }

    mutating func transformation() -> Transformation {
        Transformation(components: (0..<int(0...4)).map { _ in component() })
    }
}

enum KeyKind {
    static func isImage(_ k: ParameterKey) -> Bool {
        ![.ac, .af, .br, .du, .eo, .fps, .ki, .so, .sp, .vc, .vs].contains(k)
    }
}
