import Testing

@testable import DeriveTransform

@Suite("Round trips")
struct RoundTripTests {
    /// print → parse → equal, and the canonical text is a fixed point, over generated ASTs.
    @Test(arguments: [MediaKind.image, .video])
    func printParseEqual(media: MediaKind) throws {
        for seed in UInt64(1)...2000 {
            var g = ASTGenerator(seed: seed &* 7919 &+ (media == .video ? 1 : 0), media: media)
            let t = g.transformation()
            let text = t.canonical
            let parsed: Transformation
            do {
                parsed = try Transformation(parsing: text, named: generatorNamed, media: media)
            } catch {
                Issue.record("seed \(seed): \(text) failed: \(error.message)")
                continue
            }
            #expect(parsed == t, "seed \(seed): \(text)")
            #expect(parsed.canonical == text, "seed \(seed)")
        }
    }

    /// Any reordering of a component's parameters prints the same canonical string
    /// (variable definitions keep their relative order, as their order is meaningful).
    @Test func reorderingsCanonicalise() throws {
        for seed in UInt64(1)...1000 {
            var g = ASTGenerator(seed: seed)
            let t = g.transformation()
            let text = t.canonical
            let shuffled = text.split(separator: "/", omittingEmptySubsequences: false).map { component in
                let params = component.split(separator: ",").map(String.init)
                let variables = params.filter { $0.hasPrefix("$") }
                var others = params.filter { !$0.hasPrefix("$") }
                others.shuffle(using: &g.rng)
                var result = others
                // Put the variables back in order at random positions.
                for v in variables {
                    let lower = result.lastIndex(where: { $0.hasPrefix("$") }).map { $0 + 1 } ?? 0
                    result.insert(v, at: Int.random(in: lower...result.count, using: &g.rng))
                }
                return result.joined(separator: ",")
            }.joined(separator: "/")
            let parsed = try Transformation(parsing: shuffled, named: generatorNamed)
            #expect(parsed.canonical == text, "seed \(seed): \(shuffled)")
            #expect(parsed == t)
        }
    }

    /// Hand-built components in any order print sorted; `init(parameters:)` normalises the order.
    @Test func componentInitSorts() {
        let c = TransformComponent(parameters: [
            .width(.pixels(1)), .crop(.fill), .condition(.when(Expression(tokens: [.name("w"), .op(.gt), .int(5)]))),
            .variable(name: "a", value: Expression(tokens: [.int(1)])),
        ])
        #expect(Transformation(components: [c]).canonical == "if_w_gt_5,$a_1,c_fill,w_1")
        var unsorted = c
        unsorted.parameters.reverse()
        #expect(Transformation(components: [unsorted]).canonical == "if_w_gt_5,$a_1,c_fill,w_1")
    }

    /// Delivery URLs built from generated transformations parse back to the same parts.
    @Test func deliveryURLRoundTrip() throws {
        for seed in UInt64(1)...300 {
            var g = ASTGenerator(seed: seed)
            let t = g.transformation()
            let id = (0..<g.int(1...3)).map { _ in g.word() + (g.chance(0.2) ? " ü+" : "") }.joined(separator: "/")
            let format = g.chance(0.8) ? g.pick(["jpg", "png", "webp"]) : nil
            let path = DeliveryURL.path(
                cloudName: "demo", resourceType: "image", type: "upload", publicID: id, transformation: t,
                format: format, version: g.chance(0.5) ? g.int(1...2_000_000_000) : nil, signWith: "secret")
            let url = try DeliveryURL(path: path, cloudName: "demo", named: generatorNamed)
            #expect(url.publicID == id, "\(path)")
            #expect(url.transformation == t, "\(path)")
            #expect(url.format == format)
            #expect(Signatures.verifyURLSignature(url, secret: "secret"), "\(path)")
        }
    }

    /// Random bytes and mutations of valid strings never crash the parsers.
    @Test func garbageNeverCrashes() {
        var rng = SeededRandom(seed: 42)
        let alphabet = Array("abcdefghilopqrstuwxyz_,/:.$!-0123456789%#".utf8) + [0xFF, 0x00, 0x20, 0xC3]
        let seeds = sdkCases.map(\.input) + valueCases.map(\.input)
        for i in 0..<5000 {
            var bytes = Array(seeds[i % seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let op = Int.random(in: 0...2, using: &rng)
                let pos = bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count - 1, using: &rng)
                let b = alphabet[Int.random(in: 0...alphabet.count - 1, using: &rng)]
                switch op {
                case 0 where !bytes.isEmpty: bytes[pos] = b
                case 1: bytes.insert(b, at: min(pos, bytes.count))
                default: if !bytes.isEmpty { bytes.remove(at: pos) }
                }
            }
            let s = String(decoding: bytes, as: UTF8.self)
            if let t = try? Transformation(parsing: s, named: tableNamed) {
                // Whatever parses must print to a fixed point.
                let again = try? Transformation(parsing: t.canonical, named: tableNamed)
                #expect(again == t, "\(s)")
            }
            _ = try? DeliveryURL(path: "/demo/image/upload/" + s + "/x.jpg", cloudName: "demo", named: tableNamed)
            _ = try? DeliveryURL(path: s, cloudName: nil)
        }
    }
}
