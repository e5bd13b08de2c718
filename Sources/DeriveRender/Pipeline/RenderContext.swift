/// Per-request inputs that are not part of the transformation.
public struct RenderContext: Sendable {
    /// The output format already decided (pads and rotations use transparency only when it can carry it).
    public var format: ImageFormat
    /// `DPR` client hint, used by `dpr_auto`.
    public var devicePixelRatio: Double?
    /// `Sec-CH-Width`/`Width` client hint, used by `w_auto`.
    public var clientWidth: Int?
    /// Originals that `l_`/`u_` layers name, by public id.
    public var layerSources: [String: [UInt8]]

    public init(
        format: ImageFormat, devicePixelRatio: Double? = nil, clientWidth: Int? = nil,
        layerSources: [String: [UInt8]] = [:]
    ) {
        self.format = format
        self.devicePixelRatio = devicePixelRatio
        self.clientWidth = clientWidth
        self.layerSources = layerSources
    }
}
