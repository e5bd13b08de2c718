import CVips

/// An owned reference to a `VipsImage`. Images are immutable once built, so sharing one across
/// threads is safe; the reference is dropped in `deinit`.
public final class VImage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<VipsImage>

    /// Takes ownership of a +1 reference.
    init(taking pointer: UnsafeMutablePointer<VipsImage>) {
        self.pointer = pointer
    }

    deinit { g_object_unref(pointer) }

    public var width: Int { Int(vips_image_get_width(pointer)) }
    public var height: Int { Int(vips_image_get_height(pointer)) }
    public var bands: Int { Int(vips_image_get_bands(pointer)) }
    public var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }
    /// Number of pages (frames) in the source; 1 for still images.
    public var pageCount: Int { Int(vips_image_get_n_pages(pointer)) }
    /// Height of one page when pages are stacked vertically.
    public var pageHeight: Int { Int(vips_image_get_page_height(pointer)) }
    public var interpretation: VipsInterpretation { vips_image_get_interpretation(pointer) }

    /// An integer metadata field, or nil when the image has none.
    public func int(_ field: String) -> Int? {
        guard vips_image_get_typeof(pointer, field) != 0 else { return nil }
        var value: Int32 = 0
        guard vips_image_get_int(pointer, field, &value) == 0 else {
            vips_error_clear()
            return nil
        }
        return Int(value)
    }

    /// A string metadata field, or nil when the image has none.
    public func string(_ field: String) -> String? {
        guard vips_image_get_typeof(pointer, field) != 0 else { return nil }
        var value: UnsafePointer<CChar>?
        guard vips_image_get_string(pointer, field, &value) == 0, let value else {
            vips_error_clear()
            return nil
        }
        return String(cString: value)
    }

    /// A matrix image (for `recomb`, convolutions) from row-major values.
    static func matrix(width: Int, height: Int, values: [Double]) throws(VipsError) -> VImage {
        let pointer = values.withUnsafeBufferPointer { buffer in
            vips_image_new_matrix_from_array(Int32(width), Int32(height), buffer.baseAddress, Int32(buffer.count))
        }
        guard let pointer else { throw VipsError.take("matrix") }
        return VImage(taking: pointer)
    }

    /// The image rendered into memory: random access for operations that need it (rotations,
    /// statistics) after a sequential, shrink-on-load decode.
    public func inMemory() throws(VipsError) -> VImage {
        let mark = VipsError.errorMark
        guard let copy = vips_image_copy_memory(pointer) else { throw VipsError.take("copy_memory", since: mark) }
        // The copy does not keep this image alive, so it must not point at it for progress.
        cvips_clear_progress(copy)
        let image = VImage(taking: copy)
        RenderDeadline.watch(image)
        return image
    }

    /// Sets an integer metadata field on an image this code alone owns (a fresh copy).
    func setInt(_ field: String, _ value: Int) {
        vips_image_set_int(pointer, field, Int32(clamping: value))
    }

    /// Whether the embedded ICC profile is something other than sRGB (judged by its description).
    public var hasForeignProfile: Bool {
        guard hasICCProfile else { return false }
        var data: UnsafeRawPointer?
        var length = 0
        guard vips_image_get_blob(pointer, VIPS_META_ICC_NAME, &data, &length) == 0, let data else {
            vips_error_clear()
            return false
        }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        let marker = Array("sRGB".utf8)
        guard bytes.count >= marker.count else { return true }
        for start in 0...(bytes.count - marker.count) where bytes[start] == marker[0] {
            if (1..<marker.count).allSatisfy({ bytes[start + $0] == marker[$0] }) { return false }
        }
        return true
    }

    /// Whether the image carries an embedded ICC profile.
    public var hasICCProfile: Bool { vips_image_get_typeof(pointer, VIPS_META_ICC_NAME) != 0 }

    /// EXIF orientation (1...8), 1 when absent.
    public var orientation: Int {
        let value = int(VIPS_META_ORIENTATION) ?? 1
        return (1...8).contains(value) ? value : 1
    }
}

/// Compressed bytes handed to libvips. libvips keeps its own reference-counted copy, so the
/// Swift array can go away while lazy images still read from it.
public final class VBlob: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<VipsBlob>

    public init(copying bytes: [UInt8]) throws(VipsError) {
        let blob = bytes.withUnsafeBytes { raw in vips_blob_copy(raw.baseAddress, raw.count) }
        guard let blob else { throw VipsError.take("blob") }
        pointer = blob
    }

    deinit { vips_area_unref(UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: VipsArea.self)) }
}
