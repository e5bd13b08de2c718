import Foundation
import Testing

@testable import DeriveTransform

@Suite("Digests and signatures")
struct SignatureTests {
    // MARK: SHA-1 / SHA-256 known answers (FIPS 180 examples and common vectors)

    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
        (String(repeating: "a", count: 1000), "291e9a6c66994949b57ba5e650361e98fc36b1ba"),
    ])
    func sha1(input: String, expected: String) {
        #expect(Digest.hex(Digest.sha1(Array(input.utf8))) == expected)
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
        (
            "The quick brown fox jumps over the lazy dog",
            "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
        ),
    ])
    func sha256(input: String, expected: String) {
        #expect(Digest.hex(Digest.sha256(Array(input.utf8))) == expected)
    }

    @Test func millionA() {
        let a = [UInt8](repeating: 0x61, count: 1_000_000)
        #expect(Digest.hex(Digest.sha1(a)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        #expect(Digest.hex(Digest.sha256(a)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func paddingBoundaries() {
        // Lengths around the 55/56/64-byte padding edges hash without trapping and differ from each other.
        var seen = Set<String>()
        for n in 50...130 { seen.insert(Digest.hex(Digest.sha256([UInt8](repeating: 0x78, count: n)))) }
        #expect(seen.count == 81)
        #expect(
            Digest.hex(Digest.sha1([UInt8](repeating: 0x61, count: 64))) == "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    @Test func base64URL() {
        #expect(Digest.base64URL([]) == "")
        #expect(Digest.base64URL(Array("f".utf8)) == "Zg==")
        #expect(Digest.base64URL(Array("fo".utf8)) == "Zm8=")
        #expect(Digest.base64URL(Array("foo".utf8)) == "Zm9v")
        #expect(Digest.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
    }

    // MARK: URL signatures (section 2.4, secret "b", cloud test123)

    @Test func urlSignatureVectors() {
        #expect(
            Signatures.urlSignature(transformation: "c_crop,h_20,w_10", source: "image.jpg", secret: "b") == "Ai4Znfl3")
        #expect(Signatures.urlSignature(toSign: "image.jpg", secret: "b") == "--SjmNDA")
        #expect(Signatures.urlSignature(toSign: "sample.jpg", secret: "b") == "v2fTPYTu")
        #expect(Signatures.urlSignature(toSign: "sample.jpg", secret: "b", algorithm: .sha256) == "2hbrSMPO")
        #expect(
            Signatures.urlSignature(toSign: "sample.jpg", secret: "b", long: true) == "2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf"
        )
        #expect(Signatures.urlSignature(toSign: "http://google.com/path/to/image.png", secret: "b") == "hH_YcbiS")
        #expect(
            Signatures.urlSignature(
                transformation: "co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D", source: "image.jpg",
                secret: "b") == "Uqk1a-5W")
        #expect(
            Signatures.urlSignature(transformation: "c_scale,w_100", source: "sample.jpg", secret: "abcd_secret")
                == "wwRByDYa")
        #expect(
            Signatures.urlSignature(transformation: "c_scale,w_100", source: "folder/sample.jpg", secret: "abcd_secret")
                == "zsPFVs3M")
        // Section 2.7 lists this vector under abcd_secret, but it was produced with the secret "abcd".
        #expect(Signatures.urlSignature(toSign: "sample.png", secret: "abcd") == "8u3FOpeL")
        #expect(Signatures.urlSignature(toSign: "sample.png", secret: "abcd_secret") == "71gRF-jk")
    }

    @Test func builtSignedURLs() throws {
        let crop = try Transformation(parsing: "c_crop,h_20,w_10")
        #expect(
            DeliveryURL.path(
                cloudName: "test123", resourceType: "image", type: "upload", publicID: "image", transformation: crop,
                format: "jpg", version: 1234, signWith: "b")
                == "/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/image.jpg")
        #expect(
            DeliveryURL.path(
                cloudName: "test123", resourceType: "image", type: "upload", publicID: "image", transformation: .empty,
                format: "jpg", version: 1234, signWith: "b") == "/test123/image/upload/s----SjmNDA--/v1234/image.jpg")
        #expect(
            DeliveryURL.path(
                cloudName: "test123", resourceType: "image", type: "fetch",
                publicID: "http://google.com/path/to/image.png", transformation: .empty, format: nil, version: 1234,
                signWith: "b") == "/test123/image/fetch/s--hH_YcbiS--/v1234/http://google.com/path/to/image.png")
        #expect(
            DeliveryURL.path(
                cloudName: "test123", resourceType: "image", type: "upload", publicID: "sample",
                transformation: .empty, format: "jpg", version: nil, signWith: "b", longSignature: true)
                == "/test123/image/upload/s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--/sample.jpg")
        #expect(
            DeliveryURL.path(
                cloudName: "test123", resourceType: "image", type: "upload", publicID: "sample",
                transformation: .empty, format: "jpg", version: nil, signWith: "b", algorithm: .sha256)
                == "/test123/image/upload/s--2hbrSMPO--/sample.jpg")
        let text = try Transformation(parsing: "co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D")
        #expect(
            DeliveryURL.path(
                cloudName: "test123", resourceType: "image", type: "authenticated", publicID: "image",
                transformation: text, format: "jpg", version: nil, signWith: "b")
                == "/test123/image/authenticated/s--Uqk1a-5W--/co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D/image.jpg"
        )
        let scale = try Transformation(parsing: "c_scale,w_100")
        #expect(
            DeliveryURL.path(
                cloudName: "demo", resourceType: "image", type: "upload", publicID: "folder/sample",
                transformation: scale, format: "jpg", version: nil, signWith: "abcd_secret")
                == "/demo/image/upload/s--zsPFVs3M--/c_scale,w_100/v1/folder/sample.jpg")
        #expect(
            DeliveryURL.path(
                cloudName: "demo", resourceType: "image", type: "private", publicID: "sample", transformation: .empty,
                format: "png", version: nil, signWith: "abcd") == "/demo/image/private/s--8u3FOpeL--/sample.png")
    }

    @Test(arguments: [
        "/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/image.jpg",
        "/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg",
        "/test123/image/upload/s----SjmNDA--/v1234/image.jpg",
        "/test123/image/upload/s--v2fTPYTu--/sample.jpg",
        "/test123/image/upload/s--2hbrSMPO--/sample.jpg",
        "/test123/image/upload/s--2hbrSMPOjj5BJ4xV7SgFbRDevFaQNUFf--/sample.jpg",
        "/test123/image/fetch/s--hH_YcbiS--/v1234/http://google.com/path/to/image.png",
        "/test123/image/authenticated/s--Uqk1a-5W--/co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D/image.jpg",
        "/test123/image/private/s--Uqk1a-5W--/co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D/image.jpg",
    ])
    func verifiesSignedURL(path: String) throws {
        let url = try DeliveryURL(path: path, cloudName: "test123")
        #expect(Signatures.verifyURLSignature(url, secret: "b"))
        #expect(!Signatures.verifyURLSignature(url, secret: "c"))
    }

    @Test(arguments: [
        "/demo/image/upload/s--wwRByDYa--/c_scale,w_100/sample.jpg",
        "/demo/image/upload/s--zsPFVs3M--/c_scale,w_100/v1/folder/sample.jpg",
        "/demo/image/private/s--71gRF-jk--/sample.png",
        "/demo/image/upload/s--zsPFVs3M--/c_scale,w_100/v1/folder/sample.jpg?_a=BAMAK+",
    ])
    func verifiesObservedURLs(path: String) throws {
        let url = try DeliveryURL(path: path, cloudName: "demo")
        #expect(Signatures.verifyURLSignature(url, secret: "abcd_secret"))
    }

    @Test func rejectsTamperedURLs() throws {
        for path in [
            "/demo/image/upload/s--wwRByDYa--/c_scale,w_101/sample.jpg",
            "/demo/image/upload/s--wwRByDYa--/c_scale,w_100/sample.png",
            "/demo/image/upload/s--wwRByDYb--/c_scale,w_100/sample.jpg",
            "/demo/image/upload/c_scale,w_100/sample.jpg",
            "/demo/image/upload/s--wwRByD--/c_scale,w_100/sample.jpg",
        ] {
            let url = try DeliveryURL(path: path, cloudName: "demo")
            #expect(!Signatures.verifyURLSignature(url, secret: "abcd_secret"), "\(path)")
        }
    }

    @Test func reescapedFallback() throws {
        // The same signature must verify when the client escaped a character the SDK leaves alone.
        let signed = DeliveryURL.path(
            cloudName: "demo", resourceType: "image", type: "upload", publicID: "hello wörld", transformation: .empty,
            format: "jpg", version: nil, signWith: "s3cret")
        #expect(signed.hasSuffix("/hello%20w%C3%B6rld.jpg"))
        let url = try DeliveryURL(path: signed.replacingOccurrences(of: "%C3%B6", with: "%c3%b6"), cloudName: "demo")
        #expect(url.publicID == "hello wörld")
        #expect(Signatures.verifyURLSignature(url, secret: "s3cret"))
    }

    // MARK: Request signatures (section 4.3)

    @Test func requestSignatureVectors() {
        let secret = "hdcixPpR2iKERPwqvH6sHdK9cyac"
        let params = [("cloud_name", "dn6ot3ged"), ("timestamp", "1568810420"), ("username", "user@cloudinary.com")]
        #expect(
            Signatures.requestSignature(params: params, secret: secret) == "14c00ba6d0dfdedbc86b316847d95b9e6cd46d94")
        #expect(
            Signatures.requestSignature(params: params, secret: secret, algorithm: .sha256)
                == "45ddaa4fa01f0c2826f32f669d2e4514faf275fe6df053f1a150e7beae58a3bd")
        // Section 4.3 says "same plus notification_url"; the vector actually signs cloud_name, timestamp and
        // notification_url (no username), with the v2 "&" → "%26" rule.
        let smuggled = [
            ("cloud_name", "dn6ot3ged"), ("timestamp", "1568810420"),
            ("notification_url", "https://fake.com/callback?a=1&tags=hello,world"),
        ]
        #expect(
            Signatures.requestSignature(params: smuggled, secret: secret) == "4fdf465dd89451cc1ed8ec5b3e314e8a51695704")
        #expect(
            Signatures.requestSignature(params: smuggled, secret: secret, version: 1)
                != "4fdf465dd89451cc1ed8ec5b3e314e8a51695704")
        #expect(
            Signatures.verifyRequestSignature(
                params: smuggled, signature: "4fdf465dd89451cc1ed8ec5b3e314e8a51695704", secret: secret))
        let v1 = Signatures.requestSignature(params: smuggled, secret: secret, version: 1)
        #expect(Signatures.verifyRequestSignature(params: smuggled, signature: v1, secret: secret))
        #expect(!Signatures.verifyRequestSignature(params: smuggled, signature: v1, secret: "other"))
        #expect(
            Signatures.verifyRequestSignature(
                params: params, signature: "45ddaa4fa01f0c2826f32f669d2e4514faf275fe6df053f1a150e7beae58a3bd",
                secret: secret))
    }

    @Test func observedUploadSignatures() {
        let secret = "abcd_secret"
        let upload = [
            ("eager", "c_fill,h_100,w_100|c_scale,w_50/png"), ("eager_async", "0"), ("invalidate", "1"),
            ("overwrite", "1"), ("public_id", "folder/sample"), ("tags", "a,b"), ("timestamp", "1795885445"),
        ]
        #expect(
            Signatures.requestSignature(params: upload, secret: secret) == "980fb3b60d78b069afd4e98b5c4e2ce827c2d6ad")
        let tags = [("command", "add"), ("public_ids", "a,b"), ("tag", "t1"), ("timestamp", "1795885445")]
        #expect(Signatures.requestSignature(params: tags, secret: secret) == "a7ede9a32ba557c9d4c5fd4aedb3b035f7e15a96")
        // Section 9 transcripts: the received fields in send order, filtered as the server must.
        let received = [
            ("public_id", "folder/sample"), ("invalidate", "1"), ("notification_url", "http://127.0.0.1:9/hook"),
            ("overwrite", "1"), ("timestamp", "1795885725"), ("eager", "c_fill,h_100,w_100"), ("tags", "a,b"),
            ("signature", "027f8065413449551b5a854f99192ce60748bb85"), ("api_key", "123456789012345"), ("file", "…"),
        ]
        let signable = Signatures.signableParameters(received)
        #expect(
            Signatures.stringToSign(params: signable)
                == "eager=c_fill,h_100,w_100&invalidate=1&notification_url=http://127.0.0.1:9/hook&overwrite=1&public_id=folder/sample&tags=a,b&timestamp=1795885725"
        )
        #expect(
            Signatures.requestSignature(params: signable, secret: secret) == "027f8065413449551b5a854f99192ce60748bb85")
        let destroy = [("timestamp", "1795885725"), ("invalidate", "1"), ("public_id", "folder/sample")]
        #expect(
            Signatures.requestSignature(params: destroy, secret: secret) == "1b5300605fbbb938cd8888d19f105c40df6ac1b8")
        let explicit = [
            ("type", "upload"), ("invalidate", "1"), ("timestamp", "1795885725"), ("eager", "c_scale,w_200"),
            ("public_id", "folder/sample"),
        ]
        #expect(
            Signatures.requestSignature(params: explicit, secret: secret) == "bf74ba9154157403b6beee15ad5762e1990fa7ed")
        #expect(
            Signatures.verifyRequestSignature(
                params: explicit, signature: "BF74BA9154157403B6BEEE15AD5762E1990FA7ED", secret: secret))
        #expect(!Signatures.verifyRequestSignature(params: explicit, signature: "bf74ba", secret: secret))
    }

    @Test func emptyValuesAreNotSigned() {
        let a = Signatures.requestSignature(
            params: [("public_id", "x"), ("tags", ""), ("timestamp", "1")], secret: "s")
        let b = Signatures.requestSignature(params: [("public_id", "x"), ("timestamp", "1")], secret: "s")
        #expect(a == b)
        let filtered = Signatures.signableParameters(
            [("notification_url", "u"), ("batch_id", "b"), ("tag", "t")], excludingNotificationParameters: true)
        #expect(filtered.map(\.0) == ["tag"])
    }

    @Test func responseAndNotificationSignatures() {
        #expect(
            Signatures.responseSignature(publicID: "sample", version: 1312461204, secret: "b")
                == Digest.hex(Digest.sha1(Array("public_id=sample&version=1312461204b".utf8))))
        #expect(
            Signatures.notificationSignature(body: Array("{}".utf8), timestamp: "1700000000", secret: "b")
                == Digest.hex(Digest.sha1(Array("{}1700000000b".utf8))))
    }
}
