import CVips

/// A value passed to a libvips operation argument. The argument's GType (read from the
/// operation's own parameter spec) decides how it is converted.
public enum VipsValue: Sendable {
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// A string; for enum and flags arguments, the nickname (`"centre"`, `"attention"`).
    case string(String)
    case image(VImage)
    case images([VImage])
    case doubles([Double])
    case ints([Int])
    case blob(VBlob)
}

/// What an operation produced, by output argument name.
public struct VipsOutputs: Sendable {
    var images: [String: VImage] = [:]
    var buffers: [String: [UInt8]] = [:]
    var numbers: [String: Double] = [:]
    var arrays: [String: [Double]] = [:]

    public func image(_ name: String = "out") throws(VipsError) -> VImage {
        guard let image = images[name] else {
            throw VipsError(operation: "outputs", message: "no image output named \(name)")
        }
        return image
    }

    public func buffer(_ name: String = "buffer") throws(VipsError) -> [UInt8] {
        guard let bytes = buffers[name] else {
            throw VipsError(operation: "outputs", message: "no buffer output named \(name)")
        }
        return bytes
    }

    public func number(_ name: String) -> Double? { numbers[name] }
    public func array(_ name: String) -> [Double]? { arrays[name] }
}

/// The generic libvips operation call: create an operation by nickname, set its arguments by
/// name, build it, read its outputs. One code path reaches every libvips operation.
public enum VipsCall {
    /// Runs `name` with `arguments`, returning the requested `outputs` (names as `vips <op>` lists them).
    public static func call(
        _ name: String, _ arguments: [String: VipsValue], outputs: [String] = ["out"]
    ) throws(VipsError) -> VipsOutputs {
        try VipsRuntime.start()
        try RenderDeadline.check(name)
        let mark = VipsError.errorMark
        guard let created = vips_operation_new(name) else { throw VipsError.take(name, since: mark) }
        var operation: UnsafeMutablePointer<VipsOperation>? = created
        do throws(VipsError) {
            for (key, value) in arguments {
                try set(argument: key, to: value, on: created, operation: name)
            }
        } catch {
            vips_object_unref_outputs(cvips_object(created))
            g_object_unref(created)
            throw error
        }
        guard vips_cache_operation_buildp(&operation) == 0, let built = operation else {
            let error = VipsError.take(name, since: mark)
            vips_object_unref_outputs(cvips_object(created))
            g_object_unref(created)
            throw error
        }
        defer {
            vips_object_unref_outputs(cvips_object(built))
            g_object_unref(built)
        }
        var result = VipsOutputs()
        for key in outputs {
            try read(output: key, from: built, into: &result, operation: name)
        }
        return result
    }

    private static func argumentType(
        _ key: String, of operation: UnsafeMutablePointer<VipsOperation>, name: String
    ) throws(VipsError) -> GType {
        var spec: UnsafeMutablePointer<GParamSpec>?
        var argumentClass: UnsafeMutablePointer<VipsArgumentClass>?
        var instance: UnsafeMutablePointer<VipsArgumentInstance>?
        guard vips_object_get_argument(cvips_object(operation), key, &spec, &argumentClass, &instance) == 0,
            let spec
        else {
            vips_error_clear()
            throw VipsError(operation: name, message: "no argument named '\(key)'")
        }
        return spec.pointee.value_type
    }

    private static func set(
        argument key: String, to value: VipsValue, on operation: UnsafeMutablePointer<VipsOperation>,
        operation name: String
    ) throws(VipsError) {
        let type = try argumentType(key, of: operation, name: name)
        var gvalue = GValue()
        g_value_init(&gvalue, type)
        defer { g_value_unset(&gvalue) }
        let fundamental = g_type_fundamental(type)
        switch value {
        case .int(let number):
            if fundamental == cvips_gtype_enum() {
                g_value_set_enum(&gvalue, Int32(clamping: number))
            } else if fundamental == cvips_gtype_uint64() {
                g_value_set_uint64(&gvalue, guint64(clamping: number))
            } else if fundamental == cvips_gtype_double() {
                g_value_set_double(&gvalue, Double(number))
            } else {
                g_value_set_int(&gvalue, Int32(clamping: number))
            }
        case .double(let number):
            if fundamental == cvips_gtype_int() {
                g_value_set_int(&gvalue, Int32(clamping: Checked.clamped(number)))
            } else {
                g_value_set_double(&gvalue, number)
            }
        case .bool(let flag):
            g_value_set_boolean(&gvalue, flag ? 1 : 0)
        case .string(let text):
            if fundamental == cvips_gtype_enum() {
                let number = vips_enum_from_nick(name, type, text)
                guard number >= 0 else { throw VipsError.take(name) }
                g_value_set_enum(&gvalue, number)
            } else if fundamental == cvips_gtype_flags() {
                let number = vips_flags_from_nick(name, type, text)
                guard number >= 0 else { throw VipsError.take(name) }
                g_value_set_flags(&gvalue, guint(number))
            } else {
                g_value_set_string(&gvalue, text)
            }
        case .image(let image):
            g_value_set_object(&gvalue, image.pointer)
        case .images(let images):
            vips_value_set_array_image(&gvalue, Int32(images.count))
            var count: Int32 = 0
            if let slots = vips_value_get_array_image(&gvalue, &count) {
                for (index, image) in images.enumerated() {
                    g_object_ref(image.pointer)
                    slots[index] = image.pointer
                }
            }
        case .doubles(let numbers):
            numbers.withUnsafeBufferPointer { vips_value_set_array_double(&gvalue, $0.baseAddress, Int32($0.count)) }
        case .ints(let numbers):
            let values = numbers.map { Int32(clamping: $0) }
            values.withUnsafeBufferPointer { vips_value_set_array_int(&gvalue, $0.baseAddress, Int32($0.count)) }
        case .blob(let blob):
            g_value_set_boxed(&gvalue, blob.pointer)
        }
        g_object_set_property(cvips_gobject(operation), key, &gvalue)
    }

    private static func read(
        output key: String, from operation: UnsafeMutablePointer<VipsOperation>,
        into result: inout VipsOutputs, operation name: String
    ) throws(VipsError) {
        let type = try argumentType(key, of: operation, name: name)
        var gvalue = GValue()
        g_value_init(&gvalue, type)
        defer { g_value_unset(&gvalue) }
        g_object_get_property(cvips_gobject(operation), key, &gvalue)
        let fundamental = g_type_fundamental(type)
        if type == cvips_type_image() {
            guard let object = g_value_dup_object(&gvalue) else {
                throw VipsError(operation: name, message: "output '\(key)' is empty")
            }
            let image = VImage(taking: object.assumingMemoryBound(to: VipsImage.self))
            RenderDeadline.watch(image)
            result.images[key] = image
        } else if type == cvips_type_blob() {
            guard let boxed = g_value_get_boxed(&gvalue) else {
                throw VipsError(operation: name, message: "output '\(key)' is empty")
            }
            var length = 0
            let data = vips_blob_get(boxed.assumingMemoryBound(to: VipsBlob.self), &length)
            result.buffers[key] =
                data.map { Array(UnsafeRawBufferPointer(start: $0, count: length)) } ?? []
        } else if type == cvips_type_array_double() {
            var count: Int32 = 0
            let values = vips_value_get_array_double(&gvalue, &count)
            result.arrays[key] = values.map { Array(UnsafeBufferPointer(start: $0, count: Int(count))) } ?? []
        } else if fundamental == cvips_gtype_double() {
            result.numbers[key] = g_value_get_double(&gvalue)
        } else if fundamental == cvips_gtype_int() {
            result.numbers[key] = Double(g_value_get_int(&gvalue))
        } else if fundamental == cvips_gtype_boolean() {
            result.numbers[key] = g_value_get_boolean(&gvalue) != 0 ? 1 : 0
        } else if fundamental == cvips_gtype_enum() {
            result.numbers[key] = Double(g_value_get_enum(&gvalue))
        } else {
            throw VipsError(operation: name, message: "unsupported output type for '\(key)'")
        }
    }
}
