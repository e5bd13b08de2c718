import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The Admin API quota per API key: `limit` calls per fixed window (Cloudinary counts per hour).
/// Every Admin response reports it in `X-FeatureRateLimit-Limit`, `-Remaining` and `-Reset`;
/// a call past the quota is refused with 420.
final class RateLimiter: Sendable {
    struct Decision: Sendable, Equatable {
        var allowed: Bool
        var limit: Int
        var remaining: Int
        /// When the window ends and the quota is full again.
        var reset: Date
    }

    private struct Window {
        var start: Double
        var used: Int
    }

    let limit: Int
    let window: Double
    private let windows = Mutex<[String: Window]>([:])

    /// `limit` 0: unlimited (the headers still say how many calls are left of `Int.max`).
    init(limit: Int, windowSeconds: Int) {
        self.limit = limit
        window = Double(max(1, windowSeconds))
    }

    /// Counts a call by `key` at `now` (a refused call does not count).
    func take(_ key: String, now: Date = Date()) -> Decision {
        let time = now.timeIntervalSince1970
        // Windows are aligned to multiples of the window length, like Cloudinary's hourly reset.
        let start = (time / window).rounded(.down) * window
        let reset = Date(timeIntervalSince1970: start + window)
        guard limit > 0 else { return Decision(allowed: true, limit: 0, remaining: Int.max, reset: reset) }
        return windows.withLock { windows in
            var current = windows[key] ?? Window(start: start, used: 0)
            if current.start != start { current = Window(start: start, used: 0) }
            guard current.used < limit else {
                windows[key] = current
                return Decision(allowed: false, limit: limit, remaining: 0, reset: reset)
            }
            current.used += 1
            windows[key] = current
            return Decision(allowed: true, limit: limit, remaining: limit - current.used, reset: reset)
        }
    }

    /// `Wed, 03 Apr 2024 13:00:00 GMT` (RFC 9110's IMF-fixdate), without a formatter object: one is
    /// written on every Admin response.
    static func httpDate(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return "\(days[Int(parts.tm_wday) % 7]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon) % 12]) "
            + "\(parts.tm_year + 1900) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}
