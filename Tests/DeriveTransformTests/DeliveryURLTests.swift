import Testing

@testable import DeriveTransform

@Suite("Delivery URLs")
struct DeliveryURLTests {
    struct Expected: Sendable, CustomStringConvertible {
        var path: String
        var cloud: String?
        var resourceType = "image"
        var type = "upload"
        var transformation = ""
        var version: Int? = nil
        var publicID: String
        var format: String? = nil
        var suffix: String? = nil
        var signature: String? = nil
        var description: String { path }
    }

    static let cases: [Expected] = [
        .init(path: "/demo/image/upload/sample.jpg", cloud: "demo", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/v1/folder/sample.jpg", cloud: "demo", version: 1, publicID: "folder/sample",
            format: "jpg"),
        .init(path: "/demo/image/upload/folder/sample.jpg", cloud: "demo", publicID: "folder/sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/v123/sample.jpg", cloud: "demo", version: 123, publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/c_fill,g_face,h_200,w_100/sample.jpg", cloud: "demo",
            transformation: "c_fill,g_face,h_200,w_100", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/c_fit,w_100/a_90.hflip/e_sepia:50/sample.jpg", cloud: "demo",
            transformation: "c_fit,w_100/a_90.hflip/e_sepia:50", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/b_rgb:ff0000,bo_3px_solid_rgb:00ff00,o_50,r_20/sample.jpg", cloud: "demo",
            transformation: "b_rgb:ff0000,bo_3px_solid_rgb:00ff00,o_50,r_20", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/l_folder:logo,w_50/sample.jpg", cloud: "demo",
            transformation: "l_folder:logo,w_50", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/if_w_gt_1000_and_ar_lt_1.5,w_500/sample.jpg", cloud: "demo",
            transformation: "if_w_gt_1000_and_ar_lt_1.5,w_500", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/$bar_w_mul_2,$foo_10,w_$foo/sample.jpg", cloud: "demo",
            transformation: "$bar_w_mul_2,$foo_10,w_$foo", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/w_100,c_scale/e_grayscale/sample.jpg", cloud: "demo",
            transformation: "c_scale,w_100/e_grayscale", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/fetch/w_100/http://example.com/a%20b.jpg", cloud: "demo", type: "fetch",
            transformation: "w_100", publicID: "http://example.com/a b.jpg"),
        .init(
            path: "/demo/image/fetch/f_png/http://example.com/a.jpg", cloud: "demo", type: "fetch",
            transformation: "f_png", publicID: "http://example.com/a.jpg"),
        .init(
            path: "/demo/image/upload/hello%20w%C3%B6rld%2Bx%2Cy%3F.jpg", cloud: "demo", publicID: "hello wörld+x,y?",
            format: "jpg"),
        .init(
            path: "/demo/video/upload/du_50p,eo_10,so_2.5/sample.mp4", cloud: "demo", resourceType: "video",
            transformation: "du_50p,eo_10,so_2.5", publicID: "sample", format: "mp4"),
        .init(
            path: "/demo/image/private/s--8u3FOpeL--/sample.png", cloud: "demo", type: "private", publicID: "sample",
            format: "png", signature: "8u3FOpeL"),
        .init(
            path: "/demo/image/upload/c_fill,h_100,w_100/v1/folder/sample.jpg", cloud: "demo",
            transformation: "c_fill,h_100,w_100", version: 1, publicID: "folder/sample", format: "jpg"),
        .init(
            path: "/demo/image/upload/s--zsPFVs3M--/c_scale,w_100/v1/folder/sample.jpg", cloud: "demo",
            transformation: "c_scale,w_100", version: 1, publicID: "folder/sample", format: "jpg", signature: "zsPFVs3M"
        ),
        .init(
            path: "/test123/image/upload/s----SjmNDA--/v1234/image.jpg", cloud: "test123", version: 1234,
            publicID: "image", format: "jpg", signature: "--SjmNDA"),
        .init(
            path: "/test123/image/fetch/s--hH_YcbiS--/v1234/http://google.com/path/to/image.png", cloud: "test123",
            type: "fetch", version: 1234, publicID: "http://google.com/path/to/image.png", signature: "hH_YcbiS"),
        // Short forms (2.6).
        .init(path: "/demo/images/sample/hello.jpg", cloud: "demo", publicID: "sample", format: "jpg", suffix: "hello"),
        .init(
            path: "/demo/images/c_fill,w_100/v1/folder/sample/hello.jpg", cloud: "demo", transformation: "c_fill,w_100",
            version: 1, publicID: "folder/sample", format: "jpg", suffix: "hello"),
        .init(
            path: "/demo/files/doc.pdf/hello", cloud: "demo", resourceType: "raw", publicID: "doc.pdf", suffix: "hello"),
        .init(path: "/demo/iu/sample.jpg", cloud: "demo", publicID: "sample", format: "jpg"),
        .init(path: "/demo/sample.jpg", cloud: "demo", publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/c_scale,w_100/sample.jpg", cloud: "demo", transformation: "c_scale,w_100", publicID: "sample",
            format: "jpg"),
        // Without the cloud name (private_cdn).
        .init(path: "/image/upload/sample.jpg", cloud: nil, publicID: "sample", format: "jpg"),
        .init(
            path: "/image/upload/w_100/v5/a/b/c.PNG", cloud: nil, transformation: "w_100", version: 5,
            publicID: "a/b/c", format: "png"),
        // Query strings, repeated slashes, raw resources, no extension.
        .init(
            path: "/demo/image/upload/w_100/sample.jpg?_a=BAMAK+", cloud: "demo", transformation: "w_100",
            publicID: "sample", format: "jpg"),
        .init(
            path: "/demo/image/upload//w_100//v1/folder//sample.jpg", cloud: "demo", transformation: "w_100",
            version: 1, publicID: "folder/sample", format: "jpg"),
        .init(
            path: "/demo/raw/upload/v1/docs/readme.txt", cloud: "demo", resourceType: "raw", version: 1,
            publicID: "docs/readme.txt", format: "txt"),
        .init(path: "/demo/image/upload/sample", cloud: "demo", publicID: "sample"),
        .init(path: "/demo/image/upload/w_100", cloud: "demo", publicID: "w_100"),
        .init(path: "/demo/image/upload/my.file.name.webp", cloud: "demo", publicID: "my.file.name", format: "webp"),
        .init(path: "/demo/image/upload/my_folder/pic.jpg", cloud: "demo", publicID: "my_folder/pic", format: "jpg"),
        .init(path: "/demo/image/upload/v1/v2/pic.jpg", cloud: "demo", version: 1, publicID: "v2/pic", format: "jpg"),
        .init(
            path:
                "/demo/image/authenticated/s--Uqk1a-5W--/co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D/image.jpg",
            cloud: "demo", type: "authenticated",
            transformation: "co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D", publicID: "image", format: "jpg",
            signature: "Uqk1a-5W"),
    ]

    @Test(arguments: cases)
    func parses(_ e: Expected) throws {
        let url = try DeliveryURL(path: e.path, cloudName: e.cloud)
        #expect(url.cloudName == e.cloud)
        #expect(url.resourceType == e.resourceType)
        #expect(url.type == e.type)
        #expect(url.transformation.canonical == e.transformation)
        #expect(url.version == e.version)
        #expect(url.publicID == e.publicID)
        #expect(url.format == e.format)
        #expect(url.urlSuffix == e.suffix)
        #expect(url.signature == e.signature)
    }

    @Test func cloudNameInference() throws {
        let u = try DeliveryURL(path: "/demo/image/upload/w_100/sample.jpg", cloudName: nil)
        #expect(u.cloudName == "demo")
        #expect(u.rawTransformation == "w_100")
        #expect(u.stringToSign == "w_100/sample.jpg")
        let v = try DeliveryURL(
            path: "/demo/image/upload/c_fill,w_300,h_200/v1712/folder/sample.jpg", cloudName: "demo")
        #expect(v.rawTransformation == "c_fill,w_300,h_200")
        #expect(v.transformation.components[0].height == .pixels(200))
        #expect(v.outputFormat == .named("jpg"))
        let f = try DeliveryURL(path: "/demo/image/upload/f_webp/sample.jpg", cloudName: "demo")
        #expect(f.outputFormat == .named("webp"))
    }

    @Test(arguments: [
        (
            "/demo/image/upload/wd_300,h_200/sample.jpg",
            "component 1, parameter \"wd\" at offset 19: unknown parameter \"wd\" — did you mean \"w\"?"
        ),
        (
            "/demo/image/upload/c_fil,w_300/v1/sample.jpg",
            "component 1, parameter \"c\" at offset 21: unknown crop mode \"fil\" — did you mean \"fill\"?"
        ),
        (
            "/demo/image/upload/w_100/c_fit,e_sepia:x/sample.jpg",
            "component 2, parameter \"e\" at offset 39: effect \"sepia\" expects an integer argument, found \"x\""
        ),
        ("/demo/image/uplod/sample.jpg", "at offset 12: unknown delivery type \"uplod\" — did you mean \"upload\"?"),
        ("/other/image/upload/sample.jpg", "at offset 1: unknown cloud name \"other\" (expected \"demo\")"),
        ("/demo/image/upload/", "at offset 19: missing public id"),
        ("/demo/image", "at offset 11: missing delivery type after \"image\""),
        ("", "at offset 0: empty delivery URL path"),
        ("/demo/image/upload/a%zzb.jpg", "at offset 19: invalid percent-encoding in public id \"a%zzb\""),
        ("/demo/images/sample.jpg", "at offset 13: the \"images/\" form needs \"<public_id>/<suffix>.<ext>\""),
        (
            "/demo/image/upload/w_100//h_x/sample.jpg",
            "component 2, parameter \"h\" at offset 27: unknown operand \"x\" in expression"
        ),
        (
            "/demo/image/upload/du_5/sample.jpg",
            "component 1, parameter \"du\" at offset 19: \"du\" (duration) is a video-only parameter and cannot be used with images"
        ),
    ])
    func errors(path: String, message: String) {
        #expect(throws: TransformationError.self) { try DeliveryURL(path: path, cloudName: "demo") }
        do {
            _ = try DeliveryURL(path: path, cloudName: "demo")
        } catch {
            #expect(error.message == message)
        }
    }

    // Builder vectors of section 2.7 (prefix P = /demo).
    @Test func builder() throws {
        func build(
            _ id: String, _ t: String = "", format: String? = nil, rt: String = "image", type: String = "upload",
            version: Int? = nil, forceVersion: Bool = true, suffix: String? = nil, shorten: Bool = false,
            root: Bool = false
        ) throws -> String {
            let media: MediaKind = rt == "video" ? .video : .image
            return DeliveryURL.path(
                cloudName: "demo", resourceType: rt, type: type, publicID: id,
                transformation: try Transformation(parsing: t, media: media), format: format, version: version,
                signWith: nil, forceVersion: forceVersion, urlSuffix: suffix, shorten: shorten, useRootPath: root)
        }
        #expect(try build("sample.jpg") == "/demo/image/upload/sample.jpg")
        #expect(try build("sample", format: "jpg") == "/demo/image/upload/sample.jpg")
        #expect(try build("folder/sample", format: "jpg") == "/demo/image/upload/v1/folder/sample.jpg")
        #expect(
            try build("folder/sample", format: "jpg", forceVersion: false) == "/demo/image/upload/folder/sample.jpg")
        #expect(try build("v123/sample.jpg") == "/demo/image/upload/v123/sample.jpg")
        #expect(
            try build("sample", "c_fill,g_face,h_200,w_100", format: "jpg")
                == "/demo/image/upload/c_fill,g_face,h_200,w_100/sample.jpg")
        #expect(
            try build("http://example.com/a b.jpg", "w_100", type: "fetch")
                == "/demo/image/fetch/w_100/http://example.com/a%20b.jpg")
        #expect(
            try build("http://example.com/a.jpg", type: "fetch", version: nil)
                == "/demo/image/fetch/http://example.com/a.jpg")
        #expect(
            DeliveryURL.path(
                cloudName: "demo", resourceType: "image", type: "fetch", publicID: "http://example.com/a.jpg",
                transformation: .empty, format: "png", version: nil, signWith: nil)
                == "/demo/image/fetch/f_png/http://example.com/a.jpg")
        #expect(try build("hello wörld+x,y?.jpg") == "/demo/image/upload/hello%20w%C3%B6rld%2Bx%2Cy%3F.jpg")
        #expect(try build("folder//sample.jpg") == "/demo/image/upload/v1/folder/sample.jpg")
        #expect(
            try build("sample", "du_50p,eo_10,so_2.5", format: "mp4", rt: "video")
                == "/demo/video/upload/du_50p,eo_10,so_2.5/sample.mp4")
        #expect(try build("sample", format: "jpg", suffix: "hello") == "/demo/images/sample/hello.jpg")
        #expect(try build("doc.pdf", rt: "raw", suffix: "hello") == "/demo/files/doc.pdf/hello")
        #expect(try build("sample", format: "jpg", shorten: true) == "/demo/iu/sample.jpg")
        #expect(try build("sample", "c_scale,w_100", format: "jpg", root: true) == "/demo/c_scale,w_100/sample.jpg")
        #expect(
            try build("sample", "w_100,c_scale/e_grayscale", format: "jpg")
                == "/demo/image/upload/c_scale,w_100/e_grayscale/sample.jpg")
    }

    @Test func buildThenParse() throws {
        for id in ["sample", "folder/sample", "a b/ü+x", "deep/er/path/file"] {
            for t in ["", "c_fill,h_100,w_100", "c_fit,w_100/a_90.hflip/e_sepia:50"] {
                let tr = try Transformation(parsing: t)
                let path = DeliveryURL.path(
                    cloudName: "demo", resourceType: "image", type: "upload", publicID: id, transformation: tr,
                    format: "jpg", version: nil, signWith: "secret")
                let url = try DeliveryURL(path: path, cloudName: "demo")
                #expect(url.publicID == id)
                #expect(url.transformation == tr)
                #expect(url.format == "jpg")
                #expect(Signatures.verifyURLSignature(url, secret: "secret"))
            }
        }
    }

    @Test(arguments: [
        ("sample", nil as Int?), ("sample", 1_700_000_000), ("folder/sub/sample", nil), ("folder/sample", 42),
        ("v123/sample", nil), ("a//b", nil), ("with space & ü", nil), ("https://example.com/x.jpg", nil),
    ])
    func sourcePathIsThePathAfterTheTransformation(publicID: String, version: Int?) {
        let path = DeliveryURL.path(
            cloudName: "demo", resourceType: "image", type: "upload", publicID: publicID, transformation: .empty,
            format: nil, version: version, signWith: nil)
        #expect(path == "/demo/image/upload/" + DeliveryURL.sourcePath(publicID: publicID, version: version))
    }
}
