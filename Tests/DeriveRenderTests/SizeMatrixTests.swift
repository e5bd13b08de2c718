import DeriveRender
import DeriveTransform
import Foundation
import Testing

/// Every crop mode × source larger / smaller / wider / taller than a 300×200 box × both
/// dimensions / width only / height only, against the sizes Cloudinary documents
/// (`cloudinary-api.md` section 3.4), written here as plain formulas.
@Suite struct SizeMatrixTests {
    static let box = (width: 300, height: 200)

    /// Sources made from a real photo at the sizes each case needs.
    static let sources: [String: [UInt8]] = {
        let photo = TestImages.bytes("photo_coffee.png")  // 600x400
        var sources = ["larger": photo]
        for (name, size) in ["smaller": "w_150,h_100", "wider": "w_600,h_100", "taller": "w_100,h_600"] {
            sources[name] = try! Renderer().render(
                photo, transformation: try! Transformation(parsing: "c_scale,\(size)"), format: .png
            ).bytes
        }
        return sources
    }()

    static let sourceSizes = ["larger": (600, 400), "smaller": (150, 100), "wider": (600, 100), "taller": (100, 600)]

    enum Dimensions: String, CaseIterable { case both, widthOnly, heightOnly }

    static let modes = [
        "scale", "fit", "limit", "mfit", "fill", "lfill", "fill_pad", "crop", "thumb", "pad", "lpad", "mpad",
    ]

    static var cases: [(String, String, Dimensions)] {
        modes.flatMap { mode in
            ["larger", "smaller", "wider", "taller"].flatMap { source in Dimensions.allCases.map { (mode, source, $0) }
            }
        }
    }

    /// The documented output size.
    static func expected(_ mode: String, _ source: (Int, Int), _ dims: Dimensions) -> (Int, Int) {
        let (w, h) = (Double(source.0), Double(source.1))
        let (bw, bh) = (Double(box.width), Double(box.height))
        func round(_ value: Double) -> Int { Int(value.rounded()) }
        func scaleOne() -> (Int, Int) {
            dims == .widthOnly ? (box.width, round(bw * h / w)) : (round(bh * w / h), box.height)
        }
        let fitFactor: Double =
            switch dims {
            case .both: min(bw / w, bh / h)
            case .widthOnly: bw / w
            case .heightOnly: bh / h
            }
        let fit = (round(w * fitFactor), round(h * fitFactor))
        let original = (source.0, source.1)
        switch (mode, dims) {
        case ("scale", .both), ("fill", .both), ("thumb", .both), ("pad", .both), ("fill_pad", .both), ("lpad", .both):
            return (box.width, box.height)
        case ("scale", _), ("fill", _), ("thumb", _): return scaleOne()
        case ("fit", _), ("pad", _), ("fill_pad", _): return fit
        case ("limit", _), ("lfill", .widthOnly), ("lfill", .heightOnly), ("lpad", _):
            return fitFactor >= 1 ? original : fit
        case ("mfit", _), ("mpad", .widthOnly), ("mpad", .heightOnly):
            return fitFactor <= 1 ? original : fit
        case ("mpad", .both):
            return w <= bw && h <= bh ? (box.width, box.height) : original
        case ("lfill", .both):
            if w <= bw && h <= bh { return original }
            let cover = max(bw / w, bh / h)
            return cover <= 1
                ? (box.width, box.height) : (min(source.0, round(bw / cover)), min(source.1, round(bh / cover)))
        case ("crop", .both): return (min(box.width, source.0), min(box.height, source.1))
        case ("crop", .widthOnly): return (min(box.width, source.0), source.1)
        case ("crop", .heightOnly): return (source.0, min(box.height, source.1))
        default: fatalError("no rule for \(mode)")
        }
    }

    @Test(arguments: cases)
    func outputSize(mode: String, source: String, dims: Dimensions) throws {
        var parameters = ["c_\(mode)"]
        if dims != .heightOnly { parameters.append("w_\(Self.box.width)") }
        if dims != .widthOnly { parameters.append("h_\(Self.box.height)") }
        if mode == "fill_pad" { parameters.append("g_auto") }
        let transformation = try Transformation(parsing: parameters.joined(separator: ","))
        let rendered = try Renderer().render(Self.sources[source]!, transformation: transformation, format: .png)
        let decoded = try ImageInfo.probe(rendered.bytes)
        let expected = Self.expected(mode, Self.sourceSizes[source]!, dims)
        #expect((decoded.width, decoded.height) == expected, "c_\(mode) \(source) \(dims)")
        #expect((rendered.width, rendered.height) == expected)
    }

    @Test func spotChecksComputedByHand() throws {
        // 600x400 into 300x200 boxes, by hand: fit 300x200; 150x100 with mfit grows to 300x200;
        // 100x600 with lfill 300x200 cuts a 100x67 region at its own scale.
        #expect(Self.expected("fit", (600, 400), .both) == (300, 200))
        #expect(Self.expected("mfit", (150, 100), .both) == (300, 200))
        #expect(Self.expected("lfill", (100, 600), .both) == (100, 67))
        #expect(Self.expected("mpad", (600, 100), .both) == (600, 100))
        #expect(Self.expected("lpad", (150, 100), .widthOnly) == (150, 100))
    }
}
