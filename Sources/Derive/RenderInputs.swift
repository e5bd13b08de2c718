import DeriveRender
import DeriveStore
import DeriveTransform
import Foundation

/// What a client tells about itself, used by `f_auto`, `dpr_auto` and `w_auto`.
public struct ClientHints: Sendable, Hashable {
    /// The `Accept` header.
    public var accept: String?
    /// The `DPR` (or `Sec-CH-DPR`) client hint.
    public var devicePixelRatio: Double?
    /// The `Width` (or `Sec-CH-Width`) client hint.
    public var width: Int?

    public init(accept: String? = nil, devicePixelRatio: Double? = nil, width: Int? = nil) {
        self.accept = accept
        self.devicePixelRatio = devicePixelRatio
        self.width = width
    }
}

extension Transformation {
    /// Public ids of stored originals used as image layers (`l_logo`, `u_folder:bg`).
    var layerPublicIDs: Set<String> {
        var ids: Set<String> = []
        for component in steps {
            for case .image(let publicID, _) in [component.overlay, component.underlay].compactMap({ $0 }) {
                ids.insert(publicID)
            }
        }
        return ids
    }

    /// The public id of the `d_` default image (`d_avatar.png` → `avatar`, `d_folder:a.png` → `folder/a`).
    var defaultImagePublicID: String? {
        guard let text = steps.lazy.compactMap(\.defaultImage).first else { return nil }
        let id = text.replacingOccurrences(of: ":", with: "/")
        guard let dot = id.lastIndex(of: "."), dot != id.startIndex else { return id }
        return String(id[..<dot])
    }

    /// `fl_attachment[:name]`: "" for the default file name, nil when absent.
    var attachment: String? {
        for component in steps {
            if let flag = component.flags.first(where: { $0.name == "attachment" }) { return flag.argument ?? "" }
        }
        return nil
    }

    /// Whether the result depends on client hints, which then become part of the derivative key.
    var usesClientHints: (dpr: Bool, width: Bool) {
        var dpr = false
        var width = false
        for component in steps {
            if component.dpr == .auto { dpr = true }
            if case .auto? = component.width { width = true }
        }
        return (dpr, width)
    }

    /// The derivative key: the canonical text, plus the resolved client hints when it uses them
    /// (two screens with different DPR must not share one stored rendition of `dpr_auto`).
    func derivativeKey(hints: ClientHints) -> String {
        let uses = usesClientHints
        var key = canonical
        if uses.dpr { key += "|dpr=\(hints.devicePixelRatio ?? 1)" }
        if uses.width { key += "|width=\(hints.width.map(String.init) ?? "none")" }
        return key
    }
}
