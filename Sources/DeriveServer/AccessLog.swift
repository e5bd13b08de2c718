import Derive
import Foundation
import HTTPTypes
import Hummingbird

#if canImport(Glibc)
    import Glibc
#endif

/// One JSON line per request on standard output (`derive serve`; `DERIVE_ACCESS_LOG=0` turns it
/// off): time, request id, method, path, status, bytes, milliseconds, and `X-Derive-Cache`. The id
/// is the one in the response's `X-Request-Id` and in any error log line. Each line is a single
/// `write(2)`, so lines from concurrent requests never interleave.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let milliseconds =
            Double(elapsed.components.seconds) * 1_000
            + Double(elapsed.components.attoseconds) / 1e15
        var line =
            "{\"time\":\"\(Self.timestamp())\",\"id\":\"\(context.id)\",\"method\":\"\(request.method.rawValue)\""
        line += ",\"path\":" + JSONText.quoted(String(request.uri.path.prefix(2_000)))
        line += ",\"status\":\(response.status.code)"
        if let length = response.headers[.contentLength] { line += ",\"bytes\":\(Int(length) ?? 0)" }
        line += ",\"ms\":\((milliseconds * 1_000).rounded() / 1_000)"
        if let cache = response.headers[.deriveCache] { line += ",\"cache\":\"\(cache)\"" }
        line += "}\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in _ = write(1, raw.baseAddress, raw.count) }
        return response
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))T\(pad(parts.tm_hour)):"
            + "\(pad(parts.tm_min)):\(pad(parts.tm_sec)).\(pad(Int32(now.tv_nsec / 1_000_000), 3))Z"
    }
}
