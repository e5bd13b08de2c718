import Foundation

/// The corpus in `TestImages/` (see its MANIFEST.md).
enum TestImages {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TestImages")

    static func bytes(_ name: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
            fatalError("missing test image \(name)")
        }
        return [UInt8](data)
    }
}
