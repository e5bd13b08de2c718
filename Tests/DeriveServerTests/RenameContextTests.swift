import Derive
import DeriveStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import DeriveServer

/// `POST /v1_1/<cloud>/image/rename` and `…/context`, and `context` at upload and in listings.
@Suite struct RenameContextTests {
    static let coffee = ServerFixture.image("photo_coffee.png")

    static func post(_ client: any TestClientProtocol, _ action: String, _ fields: [(String, String)]) async throws
        -> API.Reply
    {
        let form = API.multipart(API.signed(fields))
        return try await API.call(
            client, .post, "/v1_1/demo/image/\(action)", headers: [.contentType: form.contentType], body: form.body)
    }

    @Test func renameMovesTheOriginalDropsItsDerivativesAndInvalidatesTheOldURLs() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            let uploaded = try await API.upload(
                client, API.signed([("public_id", "old/name"), ("eager", "c_fill,w_40,h_40")]),
                file: ("c.png", Self.coffee))
            let version = try #require(uploaded.json["version"] as? Int)
            #expect(try await derive.resource(publicID: "old/name")?.derived.count == 1)
            let before = try await derive.lastEventSequence()

            let renamed = try await Self.post(
                client, "rename", [("from_public_id", "old/name"), ("to_public_id", "new/name"), ("invalidate", "1")])
            #expect(renamed.status == .ok, "\(renamed.message ?? "")")
            #expect(renamed.json["public_id"] as? String == "new/name" && renamed.json["version"] as? Int == version)
            #expect(try await derive.resource(publicID: "old/name") == nil)
            let moved = try #require(try await derive.resource(publicID: "new/name"))
            #expect(moved.derived.isEmpty && moved.resource.blob == ContentHashOf.png(Self.coffee))

            let old = try await ServerFixture.get(client, "/demo/image/upload/c_fill,w_40,h_40/old/name.png")
            #expect(old.status == .notFound)
            let new = try await ServerFixture.get(client, "/demo/image/upload/c_fill,w_40,h_40/new/name.png")
            #expect(new.status == .ok)

            var kinds: [EventKind] = []
            var invalidated: [String] = []
            for try await event in derive.events(after: before, follow: false) {
                kinds.append(event.kind)
                if event.kind == .invalidate { invalidated += event.urls }
            }
            #expect(kinds.contains(.rename), "\(kinds) \(invalidated)")
            #expect(invalidated.contains { $0.hasSuffix("/demo/image/upload/c_fill,h_40,w_40/v1/old/name.png") })
            #expect(invalidated.contains { $0.hasSuffix("/demo/image/upload/v1/old/name.png") }, "\(invalidated)")
            #expect(!invalidated.contains { $0.contains("new/name") })
        }
    }

    @Test func renameRefusesATakenIdUnlessOverwriteAndAnswers404ForAMissingOne() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            for id in ["a", "b"] {
                _ = try await API.upload(client, API.signed([("public_id", id)]), file: ("c.png", Self.coffee))
            }
            let taken = try await Self.post(client, "rename", [("from_public_id", "a"), ("to_public_id", "b")])
            #expect(taken.status == .conflict && taken.message?.contains("already exists") == true)
            #expect(try await derive.resource(publicID: "a") != nil)
            let replaced = try await Self.post(
                client, "rename", [("from_public_id", "a"), ("to_public_id", "b"), ("overwrite", "true")])
            #expect(replaced.status == .ok)
            let a = try await derive.resource(publicID: "a")
            let b = try await derive.resource(publicID: "b")
            #expect(a == nil && b != nil)
            let missing = try await Self.post(client, "rename", [("from_public_id", "zz"), ("to_public_id", "y")])
            #expect(missing.status == .notFound && missing.message == "Resource not found - zz")
            let tricky = try await Self.post(client, "rename", [("from_public_id", "b"), ("to_public_id", "../etc")])
            #expect(tricky.status == .badRequest)
            let toType = try await Self.post(
                client, "rename", [("from_public_id", "b"), ("to_public_id", "b"), ("to_type", "private")])
            #expect(toType.status == .ok && toType.json["type"] as? String == "private")
            #expect(try await derive.resource(publicID: "b", type: "private") != nil)
        }
    }

    @Test func contextIsSetAtUploadChangedAndListedWhenAskedFor() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            let uploaded = try await API.upload(
                client, API.signed([("public_id", "ctx"), ("context", "alt=a \\| b \\= c|caption=hello")]),
                file: ("c.png", Self.coffee))
            #expect(uploaded.status == .ok, "\(uploaded.message ?? "")")
            let custom = (uploaded.json["context"] as? [String: Any])?["custom"] as? [String: String]
            #expect(custom == ["alt": "a | b = c", "caption": "hello"])

            let added = try await Self.post(
                client, "context", [("context", "caption=bye|k=v"), ("public_ids[]", "ctx"), ("command", "add")])
            #expect(added.status == .ok && added.json["public_ids"] as? [String] == ["ctx"])
            let stored = try #require(try await derive.resource(publicID: "ctx"))
            #expect(stored.resource.context == ["alt": "a | b = c", "caption": "bye", "k": "v"])

            let listed = try await API.admin(client, .get, "resources/image?context=true")
            let entry = (listed.json["resources"] as? [[String: Any]])?.first
            #expect((entry?["context"] as? [String: Any])?["custom"] as? [String: String] == stored.resource.context)
            let plain = try await API.admin(client, .get, "resources/image")
            #expect((plain.json["resources"] as? [[String: Any]])?.first?["context"] == nil)
            let details = try await API.admin(client, .get, "resources/image/upload/ctx")
            #expect(details.json["context"] != nil)

            // An overwrite without context keeps it; remove_all clears it.
            _ = try await API.upload(client, API.signed([("public_id", "ctx")]), file: ("c.png", Self.coffee))
            #expect(try await derive.resource(publicID: "ctx")?.resource.context.count == 3)
            let cleared = try await Self.post(
                client, "context", [("public_ids[]", "ctx"), ("command", "remove_all")])
            #expect(cleared.status == .ok)
            #expect(try await derive.resource(publicID: "ctx")?.resource.context.isEmpty == true)

            for bad in ["=novalue", "bad key=v", String(repeating: "k", count: 200) + "=v"] {
                let reply = try await Self.post(
                    client, "context", [("context", bad), ("public_ids[]", "ctx"), ("command", "add")])
                #expect(reply.status == .badRequest, "\(bad)")
            }
            let badCommand = try await Self.post(client, "context", [("public_ids[]", "ctx"), ("command", "drop")])
            #expect(badCommand.status == .badRequest)
        }
    }
}

/// The content hash the store gives bytes.
enum ContentHashOf {
    static func png(_ bytes: [UInt8]) -> String { ContentHash.sha256Hex(bytes) }
}
