import Testing

@testable import DeriveTransform

@Suite("Typed API")
struct APITests {
    @Test func issue2Subset() throws {
        let t = try Transformation(parsing: "w_300,h_200,c_fill,g_south_east,q_80/f_webp")
        let c = t.components[0]
        #expect(c.width == .pixels(300))
        #expect(c.height == .pixels(200))
        #expect(c.crop == .fill)
        #expect(c.gravity == .compass(.southEast))
        #expect(c.quality == .value(80, chroma: nil))
        #expect(c.format == nil)
        #expect(t.components[1].format == .named("webp"))
        #expect(t.requestedFormat == .named("webp"))
        #expect(t.canonical == "c_fill,g_south_east,h_200,q_80,w_300/f_webp")
        #expect(t.description == t.canonical)
        for mode in CropMode.allCases {
            #expect(try Transformation(parsing: "c_\(mode.rawValue)").components[0].crop == mode)
        }
        for compass in Compass.allCases {
            #expect(try Transformation(parsing: "g_\(compass.rawValue)").components[0].gravity == .compass(compass))
        }
        for f in ["jpg", "png", "webp"] {
            #expect(try Transformation(parsing: "f_\(f)").components[0].format == .named(f))
        }
        #expect(try Transformation(parsing: "w_0.5").components[0].width == .relative(0.5))
        #expect(try Transformation(parsing: "").isEmpty)
        #expect(try Transformation(parsing: "").canonical == "")
    }

    @Test func accessors() throws {
        let t = try Transformation(
            parsing:
                "a_90.hflip,ar_16:9,b_rgb:ff000080,bo_2px_solid_red,co_blue,dpr_2.0,e_sepia:50,fl_progressive.lossy,o_40,r_10:20,x_5,y_-5,z_1.5,d_a.png,l_logo,u_bg"
        )
        let c = t.components[0]
        #expect(c.angles == [.degrees(.int(90)), .hflip])
        #expect(c.aspectRatio == .ratio(16, 9))
        #expect(c.background == .color(.rgb("ff000080")))
        #expect(c.border == Border(width: 2, color: .named("red")))
        #expect(c.color == .named("blue"))
        #expect(c.dpr == .value(.decimal(2)))
        #expect(c.effect == Effect(name: "sepia", arguments: ["50"]))
        #expect(c.effect?.intArgument(0) == 50)
        #expect(c.flags.map(\.name) == ["progressive", "lossy"])
        #expect(c.hasFlag("lossy"))
        #expect(c.opacity == .int(40))
        #expect(c.radius == .corners([.int(10), .int(20)]))
        #expect(c.x == .pixels(5))
        #expect(c.y == .pixels(-5))
        #expect(c.zoom == .decimal(1.5))
        #expect(c.defaultImage == "a.png")
        #expect(c.overlay == .image(publicID: "logo", format: nil))
        #expect(c.underlay == .image(publicID: "bg", format: nil))
        func rgba(_ c: Color) -> [UInt8]? { c.rgba.map { [$0.red, $0.green, $0.blue, $0.alpha] } }
        #expect(rgba(.rgb("ff000080")) == [255, 0, 0, 128])
        #expect(rgba(.rgb("0f0")) == [0, 255, 0, 255])
        #expect(rgba(.rgb("0F08")) == [0, 255, 0, 136])
        #expect(rgba(.named("Red")) == [255, 0, 0, 255])
        #expect(rgba(.named("transparent")) == [0, 0, 0, 0])
        #expect(Color.variable("c").rgba == nil)
    }

    @Test func layers() throws {
        let t = try Transformation(parsing: "l_text:Arial_40_bold_italic:Hello%20world%2C%20you/fl_layer_apply,g_north")
        guard case .text(let text)? = t.components[0].overlay else {
            Issue.record("not a text layer")
            return
        }
        #expect(text.fontFamily == "Arial")
        #expect(text.fontSize == 40)
        #expect(text.styleOptions == ["bold", "italic"])
        #expect(text.decodedText == "Hello world, you")
        #expect(t.components[1].isLayerApply)
        let image = try Transformation(parsing: "l_folder:sub:logo.png")
        #expect(image.components[0].overlay == .image(publicID: "folder/sub/logo", format: "png"))
    }

    @Test func expressionsAndVariables() throws {
        let t = try Transformation(parsing: "if_w_gt_1000_and_ar_lt_1.5,$small_150,w_iw_mul_0.5_add_$small")
        let c = t.components[0]
        #expect(
            c.condition
                == .when(
                    Expression(tokens: [
                        .name("w"), .op(.gt), .int(1000), .op(.and), .name("ar"), .op(.lt), .decimal(1.5),
                    ])))
        #expect(c.variables.map(\.name) == ["small"])
        #expect(
            c.width
                == .expression(
                    Expression(tokens: [.name("iw"), .op(.mul), .decimal(0.5), .op(.add), .variable("small")])))
        #expect(try Transformation(parsing: "w_$size").components[0].width == .variable("size"))
    }

    @Test func namedTransformationsExpandInPlace() throws {
        let lookup: (String) -> String? = { ["thumb": "c_fill,h_150,w_150", "gray": "e_grayscale/jpg"][$0] }
        let t = try Transformation(parsing: "e_sepia/if_w_gt_5,t_thumb.gray,w_10/o_50", named: lookup)
        #expect(t.canonical == "e_sepia/if_w_gt_5,t_thumb.gray,w_10/o_50")
        #expect(t.namedTransformations == ["thumb", "gray"])
        #expect(
            Transformation(components: t.steps).canonical
                == "e_sepia/if_w_gt_5/c_fill,h_150,w_150/e_grayscale/f_jpg/w_10/if_end/o_50")
        #expect(throws: TransformationError.self) { try Transformation(parsing: "t_thumb") }
        // Exponential definitions are cut off.
        let wide: (String) -> String? = { name in
            guard let level = Int(name.dropFirst()), level < 5 else { return "w_1/w_2/w_3/w_4/w_5" }
            let next = "l\(level + 1)"
            return "t_\(next).\(next).\(next).\(next).\(next)"
        }
        do {
            _ = try Transformation(parsing: "t_l0", named: wide)
            Issue.record("no error")
        } catch {
            #expect(
                error.message
                    == "component 1, parameter \"t\" at offset 2: too many named transformation expansions (more than 256)"
            )
        }
        // Trailing-closure form of the lookup.
        let trailing = try Transformation(parsing: "t_x") { _ in "w_1" }
        #expect(trailing.steps == [TransformComponent(parameters: [.width(.pixels(1))])])
        // Empty definitions are allowed (the name is kept, nothing is inserted).
        let empty = try Transformation(parsing: "t_x", named: { _ in "" })
        #expect(empty.steps.isEmpty)
        #expect(empty.canonical == "t_x")
    }

    @Test func derivedKeys() throws {
        let (t, format) = try Transformation.parseDerived("w_100,c_scale/jpg")
        #expect(t.canonical == "c_scale,w_100")
        #expect(format == "jpg")
        let (t2, f2) = try Transformation.parseDerived("c_fill,h_100,w_100/")
        #expect(t2.canonical == "c_fill,h_100,w_100")
        #expect(f2 == nil)
        let (t3, f3) = try Transformation.parseDerived("c_fill,h_100,w_100")
        #expect(t3.components.count == 1 && f3 == nil)
        #expect(t.derivedName(format: "jpg") == "c_scale,w_100/jpg")
        #expect(t2.derivedName(format: nil) == "c_fill,h_100,w_100/")
        #expect(throws: TransformationError.self) { try Transformation.parseDerived("w_100/jpgg") }
        // Section 4.2 / 9: each `|`-separated eager entry, optionally with `/<ext>`.
        let eager = try "c_fill,h_100,w_100|c_scale,w_50/png".split(separator: "|").map {
            try Transformation.parseDerived(String($0))
        }
        #expect(eager.map(\.transformation.canonical) == ["c_fill,h_100,w_100", "c_scale,w_50"])
        #expect(eager.map(\.format) == [nil, "png"])
    }

    @Test func explainJSON() throws {
        let t = try Transformation(parsing: "w_300,c_fill/t_a", named: { _ in "e_sepia" })
        #expect(
            t.explanationJSON
                == #"{"canonical":"c_fill,w_300/t_a","components":[[{"key":"c","kind":"crop","value":"fill"},{"key":"w","kind":"width","value":"300"}],[{"key":"t","kind":"named_transformation","value":"a","names":["a"],"expansion":"e_sepia"}]]}"#
        )
        let url = try DeliveryURL(path: "/demo/image/upload/c_scale,w_100/v3/f/\"q\".png", cloudName: "demo")
        #expect(
            url.explanationJSON
                == #"{"canonical":"c_scale,w_100","components":[[{"key":"c","kind":"crop","value":"scale"},{"key":"w","kind":"width","value":"100"}]],"public_id":"f/\"q\"","version":3,"format":"png","type":"upload","resource_type":"image","cloud_name":"demo","signature":null}"#
        )
        #expect(TransformParameter.variable(name: "v", value: Expression(tokens: [.int(1)])).key == "$v")
        #expect(TransformParameter.video(.du, "5").kind == "duration")
    }

    @Test func errorsCarryLocation() {
        do {
            _ = try Transformation(parsing: "c_fill,w_300/e_sepia,c_fil")
            Issue.record("no error")
        } catch {
            #expect(error.component == 2)
            #expect(error.offset == 23)
            #expect(error.parameter == "c")
            #expect(error.reason == "unknown crop mode \"fil\" — did you mean \"fill\"?")
            #expect(error.description == error.message)
            #expect(
                error.shifted(by: 10, components: 1).message.hasPrefix("component 3, parameter \"c\" at offset 33:"))
        }
    }

    @Test func suggestions() {
        #expect(Suggestions.closest(to: "fil", in: ["fit", "fill"]) == "fill")
        #expect(Suggestions.closest(to: "wd", in: ["w", "d"]) == "w")
        #expect(Suggestions.closest(to: "W", in: ["w", "h"]) == "w")
        #expect(Suggestions.closest(to: "x", in: ["w", "px"]) == nil)
        #expect(Suggestions.closest(to: "zzzzzz", in: ["fill"]) == nil)
        #expect(Suggestions.distance(Array("centre".utf8), Array("center".utf8)) == 1)
        #expect(Suggestions.distance(Array("ab".utf8), Array("ba".utf8)) == 1)
    }

    @Test func percentCoding() {
        #expect(PercentCoding.decode("a%20b%C3%B6") == "a bö")
        #expect(PercentCoding.decode("100%") == nil)
        #expect(PercentCoding.decode("%ff") == nil)
        #expect(PercentCoding.decode("plain+text") == "plain+text")
        #expect(PercentCoding.smartEscape("hello wörld+x,y?.jpg") == "hello%20w%C3%B6rld%2Bx%2Cy%3F.jpg")
        #expect(PercentCoding.smartEscape("a/b:c-d_e.f") == "a/b:c-d_e.f")
    }

    @Test func decimalFormatting() {
        #expect(DecimalFormat.string(0.5) == "0.5")
        #expect(DecimalFormat.string(2) == "2.0")
        #expect(DecimalFormat.string(0.00001) == "0.00001")
        #expect(DecimalFormat.string(1.5e-7) == "0.00000015")
        #expect(DecimalFormat.string(1e17) == "100000000000000000.0")
        #expect(DecimalFormat.string(-2.5e-5) == "-0.000025")
    }
}
