import Derive
import Foundation
import HTTPTypes
import Testing

/// Requests that once stopped the whole server (Swift traps) or answered 500 with libvips' internal
/// text: each must be a 400 (or the listed status) with a JSON message, and the server must keep serving.
@Suite struct HostileDeliveryTests {
    static let base = "/demo/image/upload"

    @Test func theReportedRequestsAre400AndTheServerKeepsServing() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "samples/kleiber")
            for transformation in [
                "w_100000000000000000000.0", "w_iw_pow_100", "r_iw_pow_100", "bo_99999999999px_solid_red",
            ] {
                let response = try await ServerFixture.get(
                    client, "\(Self.base)/\(transformation)/v1/samples/kleiber.jpg")
                #expect(response.status == .badRequest, "\(transformation)")
                let message = try #require(ServerFixture.message(response.body))
                #expect(message.contains("outside the allowed range") || message.contains("not a finite number"))
                try await ServerFixture.expectHealthy(client)
            }
            for hint in ["1e300", "nan"] {
                let response = try await ServerFixture.get(
                    client, "\(Self.base)/dpr_auto,w_100/v1/samples/kleiber.jpg", headers: [.dpr: hint])
                #expect(response.status == .badRequest)
                #expect(ServerFixture.message(response.body)?.contains("DPR client hint") == true)
            }
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func ordinaryTransformationsThatAnswered500Work() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_12mp.jpg"), publicID: "photo")
            try await derive.upload(ServerFixture.image("anim_tiny_24frames.gif"), publicID: "anim")
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            let blackwhite = try await ServerFixture.get(client, "\(Self.base)/e_blackwhite,a_2/photo.jpg")
            #expect(blackwhite.status == .ok)
            let trimmed = try await ServerFixture.get(client, "\(Self.base)/e_trim/anim.gif")
            #expect(trimmed.status == .ok)
            let page = try await ServerFixture.get(client, "\(Self.base)/pg_3/coffee.png")
            #expect(page.status == .badRequest)
            #expect(ServerFixture.message(page.body) == "pg_3: the image has 1 page, so pg_ must be 1 to 1")
        }
    }

    /// Every numeric parameter with huge, tiny and non-finite values, and expressions that overflow.
    @Test func hugeAndNonFiniteNumbersInEveryNumericParameterAre400() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            let huge = ["99999999999999", "100000000000000000000.0", "iw_pow_100", "iw_mul_iw_mul_iw_mul_iw_mul_iw"]
            var paths: [String] = []
            for value in huge {
                paths += [
                    "w_\(value)", "h_\(value)", "c_fill,w_10,h_\(value)", "c_crop,w_10,h_10,x_\(value)",
                    "c_crop,w_10,h_10,y_\(value)", "r_\(value)", "a_\(value)", "o_\(value)", "dpr_\(value),w_10",
                    "ar_\(value),c_fill,w_100", "w_10,ar_\(value)", "$v_\(value)/w_$v",
                    "l_text:Arial_20:Hi/fl_layer_apply,x_\(value)",
                ]
            }
            paths += [
                "w_0.0000001", "w_-5", "ar_0.0000001,c_fill,w_100", "w_iw_div_0", "w_iw_sub_iw", "e_blur:99999",
                "e_pixelate:99999", "bo_0px_solid_red", "l_text:Arial_99999:Hi", "w_16384,h_16384,c_scale",
                "w_auto:1:99999999", "w_iw_mul_2_pow_1000_mul_0",
            ]
            for transformation in paths {
                let path = "\(Self.base)/\(transformation)/coffee.jpg"
                let response = try await ServerFixture.get(client, path)
                #expect(response.status == .badRequest, "\(transformation): \(response.status)")
                #expect(ServerFixture.message(response.body)?.isEmpty == false)
            }
            // Huge numbers in a condition are just comparisons: they render.
            for value in huge {
                let response = try await ServerFixture.get(client, "\(Self.base)/if_w_gt_\(value),w_10/coffee.jpg")
                #expect(response.status == .ok, "if_w_gt_\(value)")
            }
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func hintHeadersThatAreNotSaneNumbersAre400WhenUsed() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            for value in ["nan", "NaN", "inf", "-inf", "-1", "0", "1e300", "abc", "", "1e9999", "0x10", "2 2"] {
                let dpr = try await ServerFixture.get(
                    client, "\(Self.base)/dpr_auto,w_100/coffee.jpg", headers: [.dpr: value])
                #expect(dpr.status == .badRequest, "DPR: \(value)")
                let width = try await ServerFixture.get(
                    client, "\(Self.base)/w_auto:100/coffee.jpg", headers: [.width: value])
                #expect(width.status == .badRequest, "Width: \(value)")
                // A hint the transformation does not use is ignored.
                let unused = try await ServerFixture.get(client, "\(Self.base)/w_50/coffee.jpg", headers: [.dpr: value])
                #expect(unused.status == .ok)
            }
            let huge = try await ServerFixture.get(
                client, "\(Self.base)/w_auto:100/coffee.jpg", headers: [.width: "99999999999"])
            #expect(huge.status == .badRequest)
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func a500CarriesOnlyARequestID() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            // A stored original whose blob vanished (an invariant violation): the store fails.
            let record = try #require(try await derive.resource(publicID: "coffee")).resource
            let blobs = derive.configuration.dataDirectory.appendingPathComponent("blobs")
            let path = blobs.appendingPathComponent(
                "\(record.blob.prefix(2))/\(record.blob.dropFirst(2).prefix(2))/\(record.blob)")
            try FileManager.default.removeItem(at: path)
            let response = try await ServerFixture.get(client, "\(Self.base)/w_100/coffee.jpg")
            #expect(response.status == .internalServerError)
            let id = try #require(response.headers[.requestID])
            #expect(ServerFixture.message(response.body) == "internal error (request id \(id))")
            #expect(response.headers[.cldError] == "internal error (request id \(id))")
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func aRenderPastTheDeadlineIs422AndTheServerKeepsServing() async throws {
        // Seeded with the default deadline: an upload's decode check runs under the deadline too.
        try await ServerFixture.withServer(
            configure: { $0.limits.timeoutSeconds = 0 },
            seed: { try await $0.upload(ServerFixture.image("photo_12mp.jpg"), publicID: "photo") }
        ) { _, client in
            let response = try await ServerFixture.get(client, "\(Self.base)/e_sharpen:2000/e_auto_color/photo.png")
            #expect(response.status == .unprocessableContent)
            #expect(ServerFixture.message(response.body) == "rendering took longer than 0 s and was stopped")
            try await ServerFixture.expectHealthy(client)
        }
    }
}
