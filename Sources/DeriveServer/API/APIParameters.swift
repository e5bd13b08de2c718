import Derive
import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import NIOCore

/// The parameters of an Upload or Admin API call, wherever the client put them.
///
/// The SDKs disagree (cloudinary-api.md §4.2, §5.1): current pycloudinary sends a JSON body on
/// POST/PUT/DELETE and a query string on GET; 1.41 and older send the query string on GET and
/// DELETE (lists as `k[0]=…`) and multipart on POST/PUT; curl examples send urlencoded bodies, also
/// on DELETE. All of them are read: the query string, then the body by its `Content-Type`. List
/// keys may be `k`, `k[]` or `k[N]`; JSON `null` means absent; booleans are `true/false/1/0`.
struct APIParameters: Sendable {
    /// A file part of a multipart body.
    struct File: Sendable {
        var filename: String?
        var contentType: String?
        var bytes: [UInt8]
    }

    /// Values by key (without `[]`/`[N]`), in the order they came.
    private(set) var values: [String: [String]] = [:]
    private(set) var files: [String: File] = [:]

    init() {}

    // MARK: - Reading

    /// The first non-empty value of `key`, or nil.
    func string(_ key: String) -> String? {
        values[key]?.first { !$0.isEmpty }
    }

    /// Every value of `key` (`k`, `k[]`, `k[N]`, a JSON array), empty values dropped.
    func list(_ key: String) -> [String] {
        values[key]?.filter { !$0.isEmpty } ?? []
    }

    /// A comma-separated list, as `tags` travels (`a,b`), or several values.
    func commaList(_ key: String) -> [String] {
        list(key).flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// `true`, `1`, `True` → true; `false`, `0` → false; absent → nil; anything else is a 400.
    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw .badRequest("\(key) must be true or false (got \"\(text.prefix(40))\")")
        }
    }

    /// A whole number in `range`; absent → nil; anything else is a 400 naming the limits.
    func int(_ key: String, in range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = string(key) else { return nil }
        guard text.utf8.count <= 19, let value = Int(text), range.contains(value) else {
            throw .badRequest(
                "\(key) must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \"\(text.prefix(40))\")"
            )
        }
        return value
    }

    func file(_ key: String) -> File? { files[key] }

    /// Every key with its values, for signing (`k[]` lists joined with commas).
    var signable: [(String, String)] {
        values.map { ($0.key, $0.value.joined(separator: ",")) }
    }

    // MARK: - Building

    mutating func add(_ rawKey: String, _ value: String) {
        values[Self.baseKey(rawKey), default: []].append(value)
    }

    mutating func add(file: File, for key: String) {
        files[Self.baseKey(key)] = file
    }

    /// `k[]` and `k[3]` are `k`. (Indexed values arrive in order from every SDK that sends them.)
    static func baseKey(_ key: String) -> String {
        guard key.hasSuffix("]"), let open = key.lastIndex(of: "["), open > key.startIndex else { return key }
        let inside = key[key.index(after: open)..<key.index(before: key.endIndex)]
        guard inside.allSatisfy(\.isASCII) && inside.allSatisfy(\.isNumber) else { return key }
        return String(key[..<open])
    }

    // MARK: - Parsing a request

    /// Largest body read for an API call that is not an upload.
    static let maxFormBytes = 4 * 1024 * 1024

    /// The whole body, if it arrives within `timeoutSeconds` and `maxBytes`: a client that sends an
    /// upload slowly (or stops) holds a connection and a buffer, but not for longer than that.
    static func collectBody(_ request: Request, maxBytes: Int, timeoutSeconds: Int) async throws(APIError)
        -> ByteBuffer
    {
        enum Outcome: Sendable {
            case body(ByteBuffer)
            case tooLarge
            case failed(String)
            case timedOut
        }
        let body = request.body
        let outcome = await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                do {
                    return .body(try await body.collect(upTo: maxBytes))
                } catch is NIOTooManyBytesError {
                    return .tooLarge
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeoutSeconds))
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }
        switch outcome {
        case .body(let buffer): return buffer
        case .tooLarge: throw .payloadTooLarge("the request body is larger than \(maxBytes) bytes")
        case .timedOut: throw .requestTimeout("the request body did not arrive within \(timeoutSeconds) seconds")
        case .failed(let reason): throw .badRequest("the request body could not be read: \(reason.prefix(200))")
        }
    }

    static func parse(_ request: Request, maxBodyBytes: Int, timeoutSeconds: Int = 60) async throws(APIError)
        -> APIParameters
    {
        var parameters = APIParameters()
        if let query = request.uri.query { parameters.addURLEncoded(query) }
        let body = try await collectBody(request, maxBytes: maxBodyBytes, timeoutSeconds: timeoutSeconds)
        guard body.readableBytes > 0 else { return parameters }
        let contentType = request.headers[.contentType] ?? ""
        let mediaType =
            contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) }?
            .lowercased() ?? ""
        switch mediaType {
        case "application/json":
            try parameters.addJSON(body)
        case "multipart/form-data":
            try parameters.addMultipart(body, contentType: contentType)
        case "application/x-www-form-urlencoded", "":
            parameters.addURLEncoded(String(buffer: body))
        default:
            throw .badRequest("unsupported Content-Type \"\(mediaType.prefix(80))\"")
        }
        return parameters
    }

    mutating func addURLEncoded(_ text: String) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.formDecode(parts[0])
            guard !key.isEmpty else { continue }
            add(key, parts.count > 1 ? Self.formDecode(parts[1]) : "")
        }
    }

    /// `+` is a space, `%XX` a byte; a malformed escape is kept as it is.
    static func formDecode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    mutating func addJSON(_ body: ByteBuffer) throws(APIError) {
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: Data(buffer: body))
        } catch {
            throw .badRequest("the JSON body must be an object of parameters")
        }
        for (key, value) in object {
            switch value {
            case .null: continue
            case .array(let elements): for element in elements { if let text = element.text { add(key, text) } }
            default: if let text = value.text { add(key, text) }
            }
        }
    }

    mutating func addMultipart(_ body: ByteBuffer, contentType: String) throws(APIError) {
        guard let boundary = Self.boundary(contentType) else {
            throw .badRequest("multipart/form-data without a boundary")
        }
        // MultipartParser traps on an empty boundary: checked above.
        let parser = MultipartParser(boundary: boundary)
        var parts: [(headers: [(String, String)], body: [UInt8])] = []
        var headers: [(String, String)] = []
        var partBody: [UInt8] = []
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { buffer in partBody.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = {
            parts.append((headers, partBody))
            headers = []
            partBody = []
        }
        do {
            try parser.execute(body)
        } catch {
            throw .badRequest("the multipart body does not parse")
        }
        for part in parts {
            guard let disposition = part.headers.first(where: { $0.0.lowercased() == "content-disposition" })?.1,
                let name = Self.dispositionParameter(disposition, "name")
            else { continue }
            let contentType = part.headers.first { $0.0.lowercased() == "content-type" }?.1
            if let filename = Self.dispositionParameter(disposition, "filename") {
                add(file: File(filename: filename, contentType: contentType, bytes: part.body), for: name)
            } else {
                add(name, String(decoding: part.body, as: UTF8.self))
            }
        }
    }

    /// `boundary=` of a multipart Content-Type, 1–70 characters (RFC 2046).
    static func boundary(_ contentType: String) -> String? {
        guard let value = dispositionParameter(contentType, "boundary"), (1...70).contains(value.count) else {
            return nil
        }
        return value
    }

    /// A `key=value` or `key="value"` parameter of a header value.
    static func dispositionParameter(_ header: String, _ key: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }
}

/// A JSON value, decoded without Foundation's `Any` (whose booleans and numbers look alike).
enum JSONValue: Decodable, Sendable {
    case null
    case bool(Bool)
    case number(Double, text: String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .number(Double(value), text: String(value))
        } else if let value = try? container.decode(Double.self) {
            self = .number(value, text: value.isFinite ? String(value) : "0")
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The text a form encoding would carry; nil for `null`; objects and arrays as compact JSON.
    var text: String? {
        switch self {
        case .null: nil
        case .bool(let value): value ? "true" : "false"
        case .number(_, let text): text
        case .string(let value): value
        case .array, .object: json
        }
    }

    private var json: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(_, let text): text
        case .string(let value): JSONText.quoted(value)
        case .array(let values): "[" + values.map(\.json).joined(separator: ",") + "]"
        case .object(let members):
            "{"
                + members.sorted { $0.key < $1.key }.map { JSONText.quoted($0.key) + ":" + $0.value.json }
                .joined(separator: ",") + "}"
        }
    }
}
