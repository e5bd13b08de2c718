import Foundation

/// Tells public unicast addresses from the ones a remote fetch must never reach on its own:
/// loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, multicast,
/// unspecified, reserved and documentation ranges, and IPv6 forms that embed such an IPv4 address.
enum NetworkAddress {
    static func isPublic(_ text: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return isPublicV4(withUnsafeBytes(of: &v4) { Array($0) })
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return isPublicV6(withUnsafeBytes(of: &v6) { Array($0) })
        }
        return false
    }

    /// `b` holds the four bytes in network order.
    static func isPublicV4(_ b: [UInt8]) -> Bool {
        guard b.count == 4 else { return false }
        switch (b[0], b[1]) {
        case (0, _), (10, _), (127, _): return false
        case (100, 64...127): return false  // carrier-grade NAT
        case (169, 254): return false  // link-local, cloud metadata
        case (172, 16...31): return false
        case (192, 168): return false
        case (198, 18...19): return false  // benchmarking
        case (224...255, _): return false  // multicast, reserved, broadcast
        default: break
        }
        if b[0] == 192, b[1] == 0, b[2] == 0 || b[2] == 2 { return false }  // IETF, TEST-NET-1
        if b[0] == 198, b[1] == 51, b[2] == 100 { return false }  // TEST-NET-2
        if b[0] == 203, b[1] == 0, b[2] == 113 { return false }  // TEST-NET-3
        return true
    }

    static func isPublicV6(_ b: [UInt8]) -> Bool {
        guard b.count == 16 else { return false }
        let head = b[0..<10].allSatisfy { $0 == 0 }
        if head && b[10] == 0xFF && b[11] == 0xFF { return isPublicV4(Array(b[12..<16])) }  // ::ffff:a.b.c.d
        if head && b[10] == 0 && b[11] == 0 { return false }  // ::, ::1, IPv4-compatible
        if b[0] == 0x00, b[1] == 0x64, b[2] == 0xFF, b[3] == 0x9B { return isPublicV4(Array(b[12..<16])) }  // NAT64
        if b[0] == 0x20, b[1] == 0x02 { return isPublicV4(Array(b[2..<6])) }  // 6to4
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0D, b[3] == 0xB8 { return false }  // documentation
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x00, b[3] == 0x00 { return false }  // Teredo
        if b[0] & 0xFE == 0xFC { return false }  // unique local fc00::/7
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return false }  // link-local fe80::/10
        if b[0] == 0xFF { return false }  // multicast
        return true
    }

    /// The numeric text of a socket address (IPv4 or IPv6), or nil for other families.
    static func text(_ address: UnsafeMutablePointer<sockaddr>?) -> String? {
        guard let address else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let written: Bool
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            written = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                var raw = v4.pointee.sin_addr
                return inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count)) != nil
            }
        case AF_INET6:
            written = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var raw = v6.pointee.sin6_addr
                return inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil
            }
        default:
            return nil
        }
        guard written else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
