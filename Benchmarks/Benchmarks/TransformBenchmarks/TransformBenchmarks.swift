// Transformation-language benchmarks (issue 3): parsing, parse + canonicalise and full delivery-URL
// parsing over a mix of SDK-generated strings. Each iteration is one operation; `scalingFactor: .kilo`
// runs 1,000 of them per measured sample, so "throughput" is in thousands of operations per second.
//
//   cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target TransformBenchmarks

import Benchmark
import DeriveTransform

/// The reference string.
private let typical = "c_fill,g_auto,h_200,w_300/e_sharpen/f_auto,q_auto"

/// SDK-generated transformation strings (canonical already), as the Python SDK writes them.
private let sdkMix = [
    "c_fill,g_auto,h_200,w_300/e_sharpen/f_auto,q_auto",
    "c_fill,h_100,w_100",
    "c_scale,w_100",
    "c_fill,g_face,h_200,w_100",
    "c_fit,w_100/a_90.hflip/e_sepia:50",
    "t_thumb.small",
    "b_rgb:ff0000,bo_3px_solid_rgb:00ff00,o_50,r_20",
    "l_folder:logo,w_50",
    "if_w_gt_1000_and_ar_lt_1.5,w_500",
    "$bar_w_mul_2,$foo_10,w_$foo",
    "c_scale,dpr_2.0,f_webp,fl_awebp,q_auto,t_sc_thumb,w_400",
    "co_red,l_text:Times_70_bold:Cool%25F0%259F%2598%258D",
    "l_logo/c_scale,w_50/fl_layer_apply,g_north_east,x_10,y_10",
    "c_pad,h_300,w_400/f_webp,q_auto:good",
]

/// Hand-written (non-canonical order) strings.
private let handMix = [
    "w_300,h_200,c_fill",
    "w_100,c_scale/e_grayscale",
    "q_auto,f_auto,w_800",
    "r_20,o_50,bo_3px_solid_rgb:00ff00,b_#ff0000",
]

/// Delivery URL paths as the SDK builds them.
private let urlMix = [
    "/demo/image/upload/c_fill,g_auto,h_200,w_300/e_sharpen/f_auto,q_auto/v1712345678/folder/sample.jpg",
    "/demo/image/upload/c_scale,w_100/sample.jpg",
    "/demo/image/upload/s--zsPFVs3M--/c_scale,w_100/v1/folder/sample.jpg",
    "/demo/image/upload/sample.jpg",
    "/demo/image/upload/c_fit,w_100/a_90.hflip/e_sepia:50/v1/products/shoes/red%20sneaker.webp",
    "/demo/images/c_fill,w_100/v1/folder/sample/hello.jpg",
]

private func named(_ name: String) -> String? {
    switch name {
    case "thumb": "c_fill,h_150,w_150"
    case "small": "w_50"
    case "sc_thumb": "c_scale,w_100"
    default: nil
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.throughput, .wallClock, .mallocCountTotal],
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000_000
    )

    Benchmark("parse (typical)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? Transformation(parsing: typical))
        }
    }

    Benchmark("parse+canonical (typical)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole((try? Transformation(parsing: typical))?.canonical)
        }
    }

    Benchmark("parse (SDK mix of \(sdkMix.count))") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole(try? Transformation(parsing: sdkMix[i], named: named))
            i = i + 1 == sdkMix.count ? 0 : i + 1
        }
    }

    Benchmark("parse+canonical (SDK mix of \(sdkMix.count))") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole((try? Transformation(parsing: sdkMix[i], named: named))?.canonical)
            i = i + 1 == sdkMix.count ? 0 : i + 1
        }
    }

    Benchmark("parse+canonical (hand-written mix of \(handMix.count))") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole((try? Transformation(parsing: handMix[i]))?.canonical)
            i = i + 1 == handMix.count ? 0 : i + 1
        }
    }

    Benchmark("canonical of a parsed AST (typical)") { benchmark in
        let parsed = try Transformation(parsing: typical)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(parsed.canonical)
        }
    }

    Benchmark("delivery URL parse (mix of \(urlMix.count))") { benchmark in
        var i = 0
        for _ in benchmark.scaledIterations {
            blackHole(try? DeliveryURL(path: urlMix[i], cloudName: "demo", named: named))
            i = i + 1 == urlMix.count ? 0 : i + 1
        }
    }

    Benchmark("delivery URL parse + signature check") { benchmark in
        let path = "/demo/image/upload/s--zsPFVs3M--/c_scale,w_100/v1/folder/sample.jpg"
        for _ in benchmark.scaledIterations {
            if let url = try? DeliveryURL(path: path, cloudName: "demo") {
                blackHole(Signatures.verifyURLSignature(url, secret: "abcd_secret"))
            }
        }
    }
}
