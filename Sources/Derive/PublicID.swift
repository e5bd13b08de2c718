/// Rules for public ids: they become URL paths, so path tricks are refused outright.
enum PublicID {
    static let maxLength = 255

    static func validate(_ id: String) throws(DeriveError) -> String {
        guard !id.isEmpty else { throw .invalidPublicID("it is empty") }
        guard id.utf8.count <= maxLength else { throw .invalidPublicID("it is longer than \(maxLength) bytes") }
        guard !id.hasPrefix("/"), !id.hasSuffix("/") else {
            throw .invalidPublicID("\"\(id)\" starts or ends with \"/\"")
        }
        guard !id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) else {
            throw .invalidPublicID("it contains a control character or a backslash")
        }
        for segment in id.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty else { throw .invalidPublicID("\"\(id)\" has an empty path segment") }
            guard segment != ".", segment != ".." else { throw .invalidPublicID("\"\(id)\" contains \".\" or \"..\"") }
        }
        return id
    }

    /// A Cloudinary-style random id: 20 lowercase letters and digits.
    static func random() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<20).map { _ in alphabet.randomElement()! })
    }
}
