import CVips

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The wall-clock limit of the render running on this thread. While one is set, every image a
/// libvips call produces is watched by it (decode, analysis, effects, layers and encode alike),
/// and calls started after it passed fail at once, so no stage of a render outlives its limit.
enum RenderDeadline {
    /// Thread-specific slot holding the deadline in microseconds of `g_get_monotonic_time`.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The active deadline, if any (microseconds, monotonic clock).
    static var current: Int64? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Int64(Int(bitPattern: raw))
    }

    /// Runs `body` with a deadline `seconds` from now on this thread; nested calls keep the outer one.
    static func run<T>(seconds: Int, _ body: () throws(RenderError) -> T) throws(RenderError) -> T {
        if current != nil { return try body() }
        let deadline = Int(cvips_monotonic_time()) + min(max(0, seconds), 86_400) * 1_000_000
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: deadline))
        defer { pthread_setspecific(key, nil) }
        return try body()
    }

    /// Throws the kill error once the active deadline has passed.
    static func check(_ operation: String) throws(VipsError) {
        guard let deadline = current, cvips_monotonic_time() > deadline else { return }
        throw VipsError(operation: operation, message: "killed: the render deadline has passed")
    }

    /// Puts `image` under the active deadline, if any.
    static func watch(_ image: VImage) {
        guard let deadline = current else { return }
        cvips_attach_deadline(image.pointer, gint64(deadline))
    }
}
