import Derive
import DeriveTransform
import Foundation
import HTTPTypes
import Testing

/// `s--SIG--` verification, private and authenticated types, secret rotation and strict transformations.
@Suite struct AccessControlTests {
    static func signed(
        _ transformation: String, _ publicID: String, secret: String, type: String = "upload",
        algorithm: SignatureAlgorithm = .sha1, long: Bool = false
    ) throws -> String {
        DeliveryURL.path(
            cloudName: "demo", resourceType: "image", type: type, publicID: publicID,
            transformation: try Transformation(parsing: transformation), format: "jpg", version: nil,
            signWith: secret, algorithm: algorithm, longSignature: long)
    }

    @Test func signaturesAreVerifiedInEveryFormAndAWrongOneIs401() async throws {
        try await ServerFixture.withServer(configure: { $0.delivery.signingSecrets = ["current"] }) { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            for (algorithm, long) in [(SignatureAlgorithm.sha1, false), (.sha256, false), (.sha256, true)] {
                let path = try Self.signed("w_100", "coffee", secret: "current", algorithm: algorithm, long: long)
                #expect(path.contains("/s--"))
                let response = try await ServerFixture.get(client, path)
                #expect(response.status == .ok, "\(algorithm) long=\(long)")
            }
            let wrong = try Self.signed("w_100", "coffee", secret: "not-the-secret")
            let refused = try await ServerFixture.get(client, wrong)
            #expect(refused.status == .unauthorized)
            #expect(ServerFixture.message(refused.body) == "invalid URL signature")
            #expect(refused.headers[.cldError] == "invalid URL signature")
            // A signature for other parameters does not carry over.
            let swapped = try Self.signed("w_100", "coffee", secret: "current").replacingOccurrences(
                of: "w_100", with: "w_200")
            #expect(try await ServerFixture.get(client, swapped).status == .unauthorized)
            // Unsigned public URLs still work.
            #expect(try await ServerFixture.get(client, "/demo/image/upload/w_100/coffee.jpg").status == .ok)
        }
    }

    @Test func privateAndAuthenticatedNeedAValidSignature() async throws {
        try await ServerFixture.withServer(configure: { $0.delivery.signingSecrets = ["current"] }) { derive, client in
            for type in ["private", "authenticated"] {
                try await derive.upload(
                    ServerFixture.image("photo_coffee.png"), options: UploadOptions(publicID: "secret", type: type))
                let missing = try await ServerFixture.get(client, "/demo/image/\(type)/w_100/secret.jpg")
                #expect(missing.status == .unauthorized)
                #expect(ServerFixture.message(missing.body) == "\(type) images are delivered only with a signed URL")
                let original = try await ServerFixture.get(client, "/demo/image/\(type)/secret.png")
                #expect(original.status == .unauthorized)
                let wrong = try await ServerFixture.get(
                    client, try Self.signed("w_100", "secret", secret: "x", type: type))
                #expect(wrong.status == .unauthorized)
                let good = try await ServerFixture.get(
                    client, try Self.signed("w_100", "secret", secret: "current", type: type))
                #expect(good.status == .ok)
                #expect(good.headers[.cacheControl]?.hasPrefix("private") == true)
            }
        }
    }

    @Test func rotatedSecretsVerifyUntilRemoved() async throws {
        try await ServerFixture.withServer(configure: { $0.delivery.signingSecrets = ["new", "old"] }) {
            derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            #expect(try await ServerFixture.get(client, try Self.signed("w_90", "coffee", secret: "old")).status == .ok)
            #expect(try await ServerFixture.get(client, try Self.signed("w_91", "coffee", secret: "new")).status == .ok)
            #expect(
                try await ServerFixture.get(client, try Self.signed("w_92", "coffee", secret: "older")).status
                    == .unauthorized)
        }
        // Without any secret a signed URL cannot be verified.
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            let response = try await ServerFixture.get(client, try Self.signed("w_90", "coffee", secret: "old"))
            #expect(response.status == .unauthorized)
        }
    }

    @Test func strictModeLetsOnlyExistingSignedAndAllowedTransformationsThrough() async throws {
        try await ServerFixture.withServer(configure: {
            $0.delivery.signingSecrets = ["current"]
            $0.delivery.strictTransformations = true
            $0.delivery.allowedTransformations = ["w_300,c_fill,h_200"]
        }) { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            let refused = try await ServerFixture.get(client, "/demo/image/upload/w_123/coffee.jpg")
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[.cldError]?.contains("strict transformations") == true)
            // Allow-listed (in any parameter order) and signed URLs create derivatives.
            let allowed = try await ServerFixture.get(client, "/demo/image/upload/c_fill,h_200,w_300/coffee.jpg")
            #expect(allowed.status == .ok)
            let signed = try await ServerFixture.get(client, try Self.signed("w_123", "coffee", secret: "current"))
            #expect(signed.status == .ok)
            // Now that it exists, the unsigned URL is served.
            let existing = try await ServerFixture.get(client, "/demo/image/upload/w_123/coffee.jpg")
            #expect(existing.status == .ok)
            #expect(existing.headers[.derivedCache] == "hit")
            // Originals are not derivatives.
            #expect(try await ServerFixture.get(client, "/demo/image/upload/coffee.png").status == .ok)
            // The library's own calls are trusted.
            _ = try await derive.render(publicID: "coffee", transformation: "w_77", format: "jpg")
        }
    }
}
