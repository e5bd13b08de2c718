import DeriveRender
import DeriveStore
import DeriveTransform
import Foundation

/// What a client tells about itself, used by `f_auto`, `dpr_auto` and `w_auto`. Values are
/// checked and quantised (``ClientHintPolicy``) only when the transformation uses them; a used hint
/// that is not a sane number fails the request with a 400.
public struct ClientHints: Sendable, Hashable {
    /// The `Accept` header.
    public var accept: String?
    /// The `DPR` (or `Sec-CH-DPR`) client hint.
    public var devicePixelRatio: Double? {
        get { dprText.flatMap { Double($0) } }
        set { dprText = newValue.map { String($0) } }
    }
    /// The `Width` (or `Sec-CH-Width`) client hint.
    public var width: Int? {
        get { widthText.flatMap { Int($0) } }
        set { widthText = newValue.map(String.init) }
    }
    /// The hints as sent (header text), checked when used.
    public var dprText: String?
    public var widthText: String?

    public init(accept: String? = nil, devicePixelRatio: Double? = nil, width: Int? = nil) {
        self.accept = accept
        dprText = devicePixelRatio.map { String($0) }
        widthText = width.map(String.init)
    }

    /// Hints as the headers carry them (`DPR`/`Sec-CH-DPR`, `Width`/`Sec-CH-Width`), unchecked.
    public init(accept: String?, dprHeader: String?, widthHeader: String?) {
        self.accept = accept
        dprText = dprHeader
        widthText = widthHeader
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

}
