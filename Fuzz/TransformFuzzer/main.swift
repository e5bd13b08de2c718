// libFuzzer harness for DeriveTransform: built by Scripts/fuzz-transform.sh together with
// Sources/DeriveTransform/*.swift (one module, so internal checks are available).

/// Named transformations the fuzzer can reach (including a cycle and a broken definition).
private func fuzzNamed(_ name: String) -> String? {
    switch name {
    case "thumb": "c_fill,h_150,w_150"
    case "small": "w_50/jpg"
    case "loop": "t_loop"
    case "broken": "w_abc"
    case "layer": "l_logo/c_scale,w_10"
    default: nil
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTransformation(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    for media in [MediaKind.image, .video] {
        if let t = try? Transformation(parsing: text, named: fuzzNamed, media: media) {
            // The canonical text must parse back to the same AST and be a fixed point.
            let canonical = t.canonical
            guard let again = try? Transformation(parsing: canonical, named: fuzzNamed, media: media) else {
                fatalError("canonical text does not parse: \(canonical.debugDescription) from \(text.debugDescription)")
            }
            if again != t { fatalError("round trip changed the AST: \(text.debugDescription)") }
            if again.canonical != canonical { fatalError("canonical is not a fixed point: \(text.debugDescription)") }
            _ = t.steps
            _ = t.requestedFormat
        }
    }
    _ = try? Transformation.parseDerived(text, named: fuzzNamed)
    for path in [text, "/demo/image/upload/" + text + "/v1/x.jpg"] {
        if let url = try? DeliveryURL(path: path, cloudName: "demo", named: fuzzNamed) {
            _ = url.stringToSign
            _ = url.reescapedStringToSign
            _ = Signatures.verifyURLSignature(url, secret: "s")
            let rebuilt = DeliveryURL.path(
                cloudName: url.cloudName, resourceType: url.resourceType, type: url.type, publicID: url.publicID,
                transformation: url.transformation, format: url.format, version: url.version, signWith: "s")
            _ = try? DeliveryURL(path: rebuilt, cloudName: url.cloudName, named: fuzzNamed)
        }
    }
    _ = try? DeliveryURL(path: text, cloudName: nil)
    _ = PercentCoding.decode(text)
    return 0
}
