import Testing

@testable import DeriveTransform

/// One row of the table: the input and the expected canonical text, or the exact error message.
struct TableCase: Sendable, CustomStringConvertible {
    var input: String
    var expected: Expected
    var media: MediaKind = .image

    enum Expected: Sendable {
        case canonical(String)
        case error(String)
    }

    var description: String { input.isEmpty ? "<empty>" : input }
}

/// Named transformations available to the table.
let tableNamed: @Sendable (String) -> String? = { name in
    switch name {
    case "thumb": "c_fill,h_150,w_150"
    case "small": "w_50"
    case "sc_thumb": "c_scale,w_100"
    case "named": "e_sepia"
    case "logo": "l_logo/c_scale,w_50"
    case "eager": "c_fill,w_100/jpg"
    case "trailing": "c_fill,w_100/"
    case "nested": "t_thumb/e_grayscale"
    case "loop": "t_loop"
    case "broken": "w_abc"
    case "deep": "c_fit/t_broken"
    case "ping": "t_pong"
    case "pong": "w_10/t_ping"
    case "empty": ""
    case "instagram-auto-crop": "ar_1:1,c_fill,g_auto"
    default: nil
    }
}

/// Shorthand: a string the SDK generates, which must print back byte-identical.
func same(_ s: String, _ media: MediaKind = .image) -> TableCase {
    TableCase(input: s, expected: .canonical(s), media: media)
}
/// An input and its canonical form.
func canon(_ s: String, _ c: String, _ media: MediaKind = .image) -> TableCase {
    TableCase(input: s, expected: .canonical(c), media: media)
}
/// An input and its exact error message.
func fails(_ s: String, _ m: String, _ media: MediaKind = .image) -> TableCase {
    TableCase(input: s, expected: .error(m), media: media)
}

@Suite("Table")
struct TableTests {
    static let all: [TableCase] = sdkCases + canonicalCases + valueCases + errorCases + moreErrorCases + mediaErrorCases

    @Test func tableIsLargeEnough() {
        #expect(Self.all.count >= 300)
        #expect(Set(Self.all.map { "\($0.media)|\($0.input)" }).count == Self.all.count, "duplicate rows")
    }

    @Test(arguments: all)
    func row(_ c: TableCase) {
        do {
            let t = try Transformation(parsing: c.input, named: tableNamed, media: c.media)
            switch c.expected {
            case .canonical(let expected):
                #expect(t.canonical == expected)
                // The canonical text parses back to the same AST and is a fixed point.
                let again = try Transformation(parsing: t.canonical, named: tableNamed, media: c.media)
                #expect(again == t)
                #expect(again.canonical == t.canonical)
            case .error(let message):
                Issue.record("expected error \(message), got \(t.canonical)")
            }
        } catch {
            switch c.expected {
            case .canonical(let expected): Issue.record("expected \(expected), got error: \(error.message)")
            case .error(let message): #expect(error.message == message)
            }
        }
    }
}
