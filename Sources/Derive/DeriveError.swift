import DeriveRender
import DeriveStore
import DeriveTransform

/// Why a `Derive` call failed. `DeriveServer` maps each case to an HTTP status.
public enum DeriveError: Error, Sendable, CustomStringConvertible {
    /// No original with that public id.
    case notFound(String)
    /// The transformation text or delivery URL does not parse.
    case invalidTransformation(TransformationError)
    /// The public id is empty, too long or contains path tricks.
    case invalidPublicID(String)
    /// The upload is larger than `Configuration.maxUploadBytes`.
    case uploadTooLarge(bytes: Int, limit: Int)
    /// The image or the transformation cannot be rendered.
    case render(RenderError)
    /// Storage failed.
    case store(StoreError)
    /// Too many renders are queued; try again later.
    case overloaded
    /// A parameter is out of range or malformed (too many ids, a bad cursor, tag or name).
    case invalidArgument(String)
    /// A unique name is taken (e.g. a named transformation).
    case conflict(String)
    /// A delivery URL's signature is missing where required, or wrong; or strict transformations
    /// refused a new derivative.
    case unauthorized(String)
    /// A lifecycle hook refused the change (its `will…` method threw) or failed while recording it;
    /// nothing was changed. The hook's own error is attached.
    case hookFailed(any Error)

    public var description: String {
        switch self {
        case .notFound(let id): "resource not found: \(id)"
        case .invalidTransformation(let error): "invalid transformation: \(error.message)"
        case .invalidPublicID(let reason): "invalid public id: \(reason)"
        case .uploadTooLarge(let bytes, let limit): "upload of \(bytes) bytes is over the limit of \(limit) bytes"
        case .render(let error): error.description
        case .store(let error): error.description
        case .overloaded: "the server is busy rendering; retry shortly"
        case .invalidArgument(let reason): reason
        case .conflict(let reason): reason
        case .unauthorized(let reason): reason
        case .hookFailed(let error): "refused by a lifecycle hook: \(error)"
        }
    }

    /// Storage errors, with the ones that describe the request (not the store) lifted out.
    init(_ error: StoreError) {
        switch error {
        case .invalidArgument(let reason): self = .invalidArgument(reason)
        case .conflict(let reason): self = .conflict(reason)
        default: self = .store(error)
        }
    }
}
