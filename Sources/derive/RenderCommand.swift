import ArgumentParser
import DeriveRender
import DeriveTransform
import Foundation

/// `derive render INPUT -t TRANSFORMATION -o OUTPUT`: a one-off local render, no catalog.
struct Render: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render one image file with a transformation, without a catalog.",
        discussion: """
            Examples:
              derive render photo.jpg -t c_fill,w_300,h_200 -o thumb.jpg
              derive render logo.png -t w_200,f_webp -o logo.webp
            """)

    @Argument(help: "The source image file.") var input: String
    @Option(name: [.short, .customLong("transformation")], help: "Transformation, e.g. c_fill,w_300,h_200.")
    var transformation = ""
    @Option(name: .short, help: "Output file; its extension picks the format unless f_ does.") var output: String
    @Option(help: "Accept header for f_auto (e.g. image/avif,image/webp).") var accept: String?

    func run() throws {
        guard let data = FileManager.default.contents(atPath: input) else {
            throw fail(ValidationError("cannot read \(input)"))
        }
        let bytes = [UInt8](data)
        do {
            let parsed = try Transformation(parsing: transformation)
            let ext = URL(fileURLWithPath: output).pathExtension
            let rendered = try Renderer().render(
                bytes, transformation: parsed, extension: ext.isEmpty ? nil : ext, accept: accept)
            guard FileManager.default.createFile(atPath: output, contents: Data(rendered.bytes)) else {
                throw ValidationError("cannot write \(output)")
            }
        } catch {
            throw fail(error)
        }
    }
}
