// libFuzzer harness for Derive's render path: built by Scripts/fuzz-render.sh, which compiles
// Sources/DeriveTransform as its own module and Sources/DeriveRender together with this file as
// module DeriveRender (so internal APIs are reachable), with -sanitize=fuzzer,address.
//
// Input (text): `<image>|<DPR>|<Width>|<Accept>|<transformation>`
//   <image>  a digit choosing one of `FuzzImages.all` (modulo their count), optionally followed by
//            `.<ext>` for the delivery URL's extension (`0.webp`); anything else means image 0.
//   <DPR> <Width> <Accept>  the client-hint header texts; empty means "header absent".
// An input without four `|` is a transformation alone, rendered on image 0 with no headers.
//
// The path per input is the server's: parse → ClientHintPolicy.resolve → FormatNegotiation →
// RenderContext (with a "logo" layer original) → Renderer.render. Traps and sanitizer reports fail
// by themselves; in addition a `RenderError.processing` (a 500 in the server) fails unless
// DERIVE_FUZZ_ALLOW_500=1, and so does any render that runs past its limit by more than 3 s.
// To replay a reproducer on a TestImages file: DERIVE_FUZZ_IMAGE=photo_chelsea.png ./fuzz-render FILE;
// DERIVE_FUZZ_VERBOSE=1 prints every outcome.

import DeriveTransform
import Foundation

/// Named transformations the fuzzer can reach (including a cycle and a broken definition).
private func fuzzNamed(_ name: String) -> String? {
    switch name {
    case "thumb": "c_fill,h_150,w_150"
    case "small": "w_50/jpg"
    case "loop": "t_loop"
    case "broken": "w_abc"
    case "layer": "l_logo/c_scale,w_10"
    default: nil
    }
}

/// Small sources, made once at start-up (renders must be fast under ASan).
enum FuzzImages {
    static let limits: RenderLimits = {
        var limits = RenderLimits()
        limits.timeoutSeconds = 5
        return limits
    }()

    static let folder: URL = {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [URL] = []
        if let path = environment["DERIVE_FUZZ_IMAGES"], !path.isEmpty {
            candidates.append(URL(fileURLWithPath: path))
        }
        // The repository this file was compiled from, then next to / above the executable.
        candidates.append(
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("TestImages"))
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(executable.appendingPathComponent("TestImages"))
        candidates.append(executable.deletingLastPathComponent().appendingPathComponent("TestImages"))
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("tiny_1x1.png").path) {
            return candidate
        }
        fatalError("TestImages not found; set DERIVE_FUZZ_IMAGES (tried \(candidates.map(\.path)))")
    }()

    static func file(_ name: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
            fatalError("missing test image \(name) in \(folder.path)")
        }
        return [UInt8](data)
    }

    /// A small variant of a test image, made by the renderer itself.
    static func derived(_ name: String, _ transformation: String, _ format: ImageFormat) -> [UInt8] {
        do {
            let parsed = try Transformation(parsing: transformation)
            return try Renderer(limits: limits).render(file(name), transformation: parsed, format: format).bytes
        } catch {
            fatalError("could not make the fuzz image \(name) \(transformation): \(error)")
        }
    }

    /// The PNG with alpha, also the "logo" layer original.
    static let logo = derived("alpha_logo_skimage.png", "c_limit,w_120,h_120", .png)

    /// (name for messages, bytes, source format)
    static let all: [(name: String, bytes: [UInt8], format: ImageFormat)] = {
        let list: [(String, [UInt8])] = [
            ("photo_12mp.jpg@w_160.jpg", derived("photo_12mp.jpg", "w_160", .jpeg)),
            ("alpha_logo_skimage.png@120.png", logo),
            ("anim_tiny_24frames.gif", file("anim_tiny_24frames.gif")),
            ("tiny_1x1.png", file("tiny_1x1.png")),
            ("multipage_2pages.tif", file("multipage_2pages.tif")),
            ("rgb16_chessboard.png", file("rgb16_chessboard.png")),
            ("exif_orient_6.jpg@a_ignore,w_90.jpg", derived("exif_orient_6.jpg", "a_ignore,w_90/fl_keep_iptc", .jpeg)),
            ("tiny_1x1.gif", file("tiny_1x1.gif")),
            ("gray_camera.png@w_64.png", derived("gray_camera.png", "w_64", .png)),
            ("photo_coffee_q80.webp@w_80.webp", derived("photo_coffee_q80.webp", "w_80", .webp)),
        ]
        return list.map { name, bytes in
            do {
                return (name, bytes, try ImageInfo.probe(bytes).format)
            } catch {
                fatalError("fuzz image \(name) does not probe: \(error)")
            }
        }
    }()

    static let allow500 = ProcessInfo.processInfo.environment["DERIVE_FUZZ_ALLOW_500"] == "1"
    /// DERIVE_FUZZ_VERBOSE=1 prints each input's outcome and time (for replaying reproducers).
    static let verbose = ProcessInfo.processInfo.environment["DERIVE_FUZZ_VERBOSE"] == "1"

    /// DERIVE_FUZZ_IMAGE=<TestImages file name> renders every input on that file instead (to check a
    /// reproducer against the file a regression test uses).
    static let override: (name: String, bytes: [UInt8], format: ImageFormat)? = {
        guard let name = ProcessInfo.processInfo.environment["DERIVE_FUZZ_IMAGE"], !name.isEmpty else { return nil }
        let bytes = file(name)
        guard let info = try? ImageInfo.probe(bytes) else { fatalError("DERIVE_FUZZ_IMAGE \(name) does not probe") }
        return (name, bytes, info.format)
    }()
}

/// One decoded fuzz input.
struct FuzzRequest {
    var image = 0
    var ext: String?
    var dpr: String?
    var width: String?
    var accept: String?
    var transformation = ""

    init(_ text: String) {
        let fields = text.split(separator: "|", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count == 5 else {
            transformation = text
            return
        }
        let head = fields[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if let first = head.first?.first, let digit = first.wholeNumberValue {
            image = digit % FuzzImages.all.count
        }
        if head.count == 2 { ext = String(head[1]) }
        func header(_ field: Substring) -> String? { field.isEmpty ? nil : String(field) }
        dpr = header(fields[1])
        width = header(fields[2])
        accept = header(fields[3])
        transformation = String(fields[4])
    }
}

private func report(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Appends a failure message to the file named by DERIVE_FUZZ_FAILURES (in -fork mode libFuzzer
/// drops the jobs' logs), then stops the process.
private func fuzzFailure(_ message: String) -> Never {
    if let path = ProcessInfo.processInfo.environment["DERIVE_FUZZ_FAILURES"], !path.isEmpty,
        let file = FileHandle(forWritingAtPath: path) ?? {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return FileHandle(forWritingAtPath: path)
        }()
    {
        file.seekToEndOfFile()
        file.write(Data((message.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
        file.closeFile()
    }
    fatalError(message)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRender(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let request = FuzzRequest(text)
    let source = FuzzImages.override ?? FuzzImages.all[request.image]  // loads the images before the clock starts
    let limits = FuzzImages.limits
    guard let transformation = try? Transformation(parsing: request.transformation, named: fuzzNamed) else {
        return 0
    }
    let started = ContinuousClock.now
    let outcome: Result<RenderedImage, RenderError>
    do throws(RenderError) {
        let hints = try ClientHintPolicy.resolve(
            transformation, dpr: request.dpr, width: request.width, limits: limits)
        let format = try FormatNegotiation.outputFormat(
            transformation: transformation, extension: request.ext, source: source.format, accept: request.accept)
        let context = RenderContext(
            format: format, devicePixelRatio: hints.devicePixelRatio, clientWidth: hints.width,
            layerSources: ["logo": FuzzImages.logo])
        outcome = .success(try Renderer(limits: limits).render(source.bytes, transformation: transformation, context: context))
    } catch {
        outcome = .failure(error)
    }
    let elapsed = ContinuousClock.now - started
    let what = "image \(source.name), transformation \(request.transformation.debugDescription), "
        + "DPR \(String(describing: request.dpr)), Width \(String(describing: request.width)), "
        + "Accept \(String(describing: request.accept)), extension \(String(describing: request.ext)); "
        + "input \(text.debugDescription)"
    if FuzzImages.verbose {
        switch outcome {
        case .success(let image):
            report("ok \(image.format) \(image.width)x\(image.height)x\(image.frames) in \(elapsed): \(what)")
        case .failure(let error): report("error \(error) in \(elapsed): \(what)")
        }
    }
    if elapsed > .seconds(limits.timeoutSeconds + 3) {
        fuzzFailure("render took \(elapsed) (limit \(limits.timeoutSeconds) s): \(what)")
    }
    switch outcome {
    case .failure(.processing(let message)) where !FuzzImages.allow500:
        fuzzFailure("RenderError.processing (HTTP 500): \(message): \(what)")
    case .success(let image):
        if image.bytes.isEmpty || image.width < 1 || image.height < 1 {
            fuzzFailure("empty result \(image.width)x\(image.height), \(image.bytes.count) bytes: \(what)")
        }
    case .failure:
        break
    }
    return 0
}
