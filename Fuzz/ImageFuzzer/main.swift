// libFuzzer harness for Derive's decoders: built by Scripts/fuzz-image.sh, which compiles
// Sources/DeriveTransform as its own module and Sources/DeriveRender together with this file as
// module DeriveRender, with -sanitize=fuzzer,address.
//
// The input is the bytes of an image (seeded with small files from TestImages/). Each one is probed
// and rendered with a few fixed transformations through the public render path. Traps and sanitizer
// reports fail by themselves; a `RenderError.processing` fails too (a damaged image must be a clear
// 4xx, not a 500) unless DERIVE_FUZZ_ALLOW_500=1, and so does a render that runs past its limit.

import DeriveTransform
import Foundation

enum ImageFuzz {
    static let limits: RenderLimits = {
        var limits = RenderLimits()
        limits.timeoutSeconds = 5
        return limits
    }()

    /// (transformation, extension, Accept): a shrink-on-load resize, a smart fill plus trim (pixel
    /// statistics on the decoded image), and a rotation re-encoded as PNG; the source's own format and
    /// f_auto are reached through the extension and Accept.
    static let cases: [(Transformation, String?, String?)] = ([
        ("w_64", nil, nil),
        ("c_fill,w_32,h_32/e_trim", "webp", nil),
        ("a_90/f_png", nil, nil),
        ("e_grayscale,w_48/f_auto", nil, "image/webp"),
    ] as [(String, String?, String?)]).map { text, ext, accept in
        do {
            return (try Transformation(parsing: text), ext, accept)
        } catch {
            fatalError("bad fixed transformation \(text): \(error)")
        }
    }

    static let allow500 = ProcessInfo.processInfo.environment["DERIVE_FUZZ_ALLOW_500"] == "1"
    /// DERIVE_FUZZ_VERBOSE=1 prints each outcome and time (for replaying reproducers).
    static let verbose = ProcessInfo.processInfo.environment["DERIVE_FUZZ_VERBOSE"] == "1"
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
public func fuzzImage(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = ImageFuzz.limits
    let renderer = Renderer(limits: limits)
    func fail(_ message: String) -> Never {
        let prefix = bytes.prefix(32).map { String($0, radix: 16) }.joined(separator: " ")
        fuzzFailure("\(message) (input \(bytes.count) bytes, starting \(prefix))")
    }
    let info: ImageInfo
    do {
        info = try ImageInfo.probe(bytes)
    } catch {
        if case .processing(let message) = error, !ImageFuzz.allow500 { fail("probe: processing error (500): \(message)") }
        return 0
    }
    if info.width < 1 || info.height < 1 || info.pages < 1 {
        fail("probe gave \(info.width)x\(info.height), \(info.pages) pages")
    }
    for (transformation, ext, accept) in ImageFuzz.cases {
        let started = ContinuousClock.now
        let outcome: Result<RenderedImage, RenderError>
        do throws(RenderError) {
            outcome = .success(try renderer.render(bytes, transformation: transformation, extension: ext, accept: accept))
        } catch {
            outcome = .failure(error)
        }
        let elapsed = ContinuousClock.now - started
        let what = "\(transformation.canonical), extension \(ext ?? "none"), Accept \(accept ?? "none"), source \(info)"
        if ImageFuzz.verbose {
            let line = switch outcome {
            case .success(let image): "ok \(image.format) \(image.width)x\(image.height)x\(image.frames)"
            case .failure(let error): "error \(error)"
            }
            FileHandle.standardError.write(Data("\(line) in \(elapsed): \(what)\n".utf8))
        }
        if elapsed > .seconds(limits.timeoutSeconds + 3) {
            fail("render took \(elapsed) (limit \(limits.timeoutSeconds) s): \(what)")
        }
        switch outcome {
        case .failure(.processing(let message)) where !ImageFuzz.allow500:
            fail("RenderError.processing (HTTP 500): \(message): \(what)")
        case .success(let image) where image.bytes.isEmpty || image.width < 1 || image.height < 1:
            fail("empty result \(image.width)x\(image.height), \(image.bytes.count) bytes: \(what)")
        default:
            continue
        }
    }
    return 0
}
