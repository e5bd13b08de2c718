import DeriveRender
import DeriveTransform
import Foundation
import Testing

/// Replays the failures the libFuzzer harnesses found (Fuzz/RenderFuzzer, Fuzz/ImageFuzzer; cases in
/// FuzzRegressionCases.swift) through the same public path as the harnesses. Each must end in a
/// result or in a client error (4xx): never `RenderError.processing` (a 500) and never a render that
/// runs past its time limit.
@Suite struct FuzzRegressionTests {
    /// The harnesses' limits: the defaults with a 5 s render deadline.
    static let limits: RenderLimits = {
        var limits = RenderLimits()
        limits.timeoutSeconds = 5
        return limits
    }()

    /// How much later than its deadline a render may return (the harnesses allow 3 s; a test run
    /// shares the machine with other suites, so a little more).
    static let grace: Duration = .seconds(5)

    /// The "logo" layer original: the harness' small PNG with alpha.
    static let logo: [UInt8] = {
        do {
            return try Renderer(limits: limits).render(
                TestImages.bytes("alpha_logo_skimage.png"),
                transformation: try Transformation(parsing: "c_limit,w_120,h_120"), format: .png
            ).bytes
        } catch {
            fatalError("could not make the logo layer: \(error)")
        }
    }()

    struct RenderCase: Sendable, CustomTestStringConvertible {
        var image: String
        var transformation: String
        var dpr: String?
        var width: String?
        var accept: String?

        var testDescription: String {
            var text = "\(image) \(transformation)"
            if let dpr { text += " DPR=\(dpr)" }
            if let width { text += " Width=\(width)" }
            if let accept { text += " Accept=\(accept)" }
            return text
        }
    }

    static let renderCases = FuzzRegressionCases.renderCases.map {
        RenderCase(image: $0.image, transformation: $0.transformation, dpr: $0.dpr, width: $0.width, accept: $0.accept)
    }

    /// Fails the test when `outcome` is a 500 or took too long.
    static func check(_ outcome: Result<RenderedImage, RenderError>, elapsed: Duration, _ what: String) {
        #expect(
            elapsed <= .seconds(limits.timeoutSeconds) + grace,
            "\(what): took \(elapsed), the limit is \(limits.timeoutSeconds) s")
        switch outcome {
        case .success(let image):
            #expect(!image.bytes.isEmpty && image.width > 0 && image.height > 0, "\(what): empty result")
        case .failure(.processing(let message)):
            Issue.record("\(what): RenderError.processing (a 500): \(message)")
        case .failure:
            break  // a client error (4xx) or a timeout within the limit
        }
    }

    /// The server's path: parse, client hints, format negotiation, render with a "logo" layer.
    @Test(arguments: renderCases)
    func renderCase(_ testCase: RenderCase) throws {
        let transformation = try Transformation(parsing: testCase.transformation)
        let bytes = TestImages.bytes(testCase.image)
        let source = try ImageInfo.probe(bytes)
        let started = ContinuousClock.now
        let outcome: Result<RenderedImage, RenderError>
        do throws(RenderError) {
            let hints = try ClientHintPolicy.resolve(
                transformation, dpr: testCase.dpr, width: testCase.width, limits: Self.limits)
            let format = try FormatNegotiation.outputFormat(
                transformation: transformation, extension: nil, source: source.format, accept: testCase.accept)
            let context = RenderContext(
                format: format, devicePixelRatio: hints.devicePixelRatio, clientWidth: hints.width,
                layerSources: ["logo": Self.logo])
            outcome = .success(
                try Renderer(limits: Self.limits).render(bytes, transformation: transformation, context: context))
        } catch {
            outcome = .failure(error)
        }
        Self.check(outcome, elapsed: ContinuousClock.now - started, testCase.testDescription)
    }

    /// The image harness' fixed renders (transformation, extension, Accept).
    static let imageRenders: [(String, String?, String?)] = [
        ("w_64", nil, nil),
        ("c_fill,w_32,h_32/e_trim", "webp", nil),
        ("a_90/f_png", nil, nil),
        ("e_grayscale,w_48/f_auto", nil, "image/webp"),
    ]

    /// Probes `bytes` and renders them with the image harness' fixed transformations.
    static func checkImage(_ name: String) throws {
        let bytes = TestImages.bytes(name)
        do throws(RenderError) {
            _ = try ImageInfo.probe(bytes)
        } catch {
            if case .processing(let message) = error {
                Issue.record("\(name): probe: processing error (500): \(message)")
            }
            return
        }
        for (text, ext, accept) in imageRenders {
            let transformation = try Transformation(parsing: text)
            let started = ContinuousClock.now
            let outcome: Result<RenderedImage, RenderError>
            do throws(RenderError) {
                outcome = .success(
                    try Renderer(limits: limits).render(
                        bytes, transformation: transformation, extension: ext, accept: accept))
            } catch {
                outcome = .failure(error)
            }
            check(outcome, elapsed: ContinuousClock.now - started, "\(name) \(text)")
        }
    }

    /// Damaged or unusual image files: probing and rendering them gives a result or a 4xx.
    @Test(arguments: FuzzRegressionCases.imageCases)
    func imageCase(_ name: String) throws {
        try Self.checkImage(name)
    }

    /// Files rendered one after the other: what one render leaves behind must not turn the next
    /// one's client error into a 500.
    @Test(arguments: FuzzRegressionCases.imageSequences)
    func imageSequence(_ names: [String]) throws {
        for name in names { try Self.checkImage(name) }
    }
}
