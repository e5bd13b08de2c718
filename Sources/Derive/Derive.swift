import DeriveRender
import DeriveStore
import DeriveTransform
import Foundation
import Synchronization

/// The Derive library: upload originals, render derived images on demand (stored and reused),
/// and delete originals together with every derivative.
///
/// ```swift
/// let derive = try await Derive.open(Configuration(dataDirectory: URL(fileURLWithPath: "data")))
/// let original = try await derive.upload(bytes, publicID: "sample")
/// let image = try await derive.render(publicID: "sample", transformation: "c_fill,w_300,h_200", format: "jpg")
/// try await derive.delete(publicID: "sample")
/// ```
public final class Derive: Sendable {
    public let configuration: Configuration
    let catalog: any Catalog
    let blobs: any BlobStore
    let renderer: Renderer
    let pool: RenderPool
    private let flights = SingleFlight<RenderResult>()
    private let blobLocks = KeyedLock()
    private let renderCounter = Mutex(0)

    init(configuration: Configuration, catalog: any Catalog, blobs: any BlobStore) {
        self.configuration = configuration
        self.catalog = catalog
        self.blobs = blobs
        renderer = Renderer(limits: configuration.limits)
        pool = RenderPool(threads: configuration.renderThreads, maxQueued: configuration.maxQueuedRenders)
    }

    /// Opens (creating if needed) the embedded store in `configuration.dataDirectory`:
    /// `catalog.sqlite` and `blobs/`.
    public static func open(_ configuration: Configuration) async throws(DeriveError) -> Derive {
        do {
            try VipsRuntime.start()
        } catch {
            throw .render(.processing(error.description))
        }
        do {
            let directory = configuration.dataDirectory
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let blobs = try FileBlobStore(root: directory)
            let catalog = try SQLiteCatalog(path: directory.appendingPathComponent("catalog.sqlite").path)
            return Derive(configuration: configuration, catalog: catalog, blobs: blobs)
        } catch {
            throw .store(error)
        }
    }

    /// Stops the render threads. Call once, when done.
    public func shutdown() async {
        try? await pool.shutdown()
    }

    /// How many renders actually ran (hits served from the store do not count).
    public var renderCount: Int { renderCounter.withLock { $0 } }

    // MARK: - Originals

    /// Stores an original. Without a `publicID` a random one is made. With `overwrite` (the
    /// default) an existing id gets a new version and its old derivatives are removed.
    @discardableResult
    public func upload(
        _ bytes: [UInt8], publicID: String? = nil, overwrite: Bool = true, type: String = "upload"
    ) async throws(DeriveError) -> UploadResult {
        guard bytes.count <= configuration.maxUploadBytes else {
            throw .uploadTooLarge(bytes: bytes.count, limit: configuration.maxUploadBytes)
        }
        let id = try publicID.map(PublicID.validate) ?? PublicID.random()
        let info = try await onPool { () throws(RenderError) in try ImageInfo.probe(bytes) }
        guard info.pixelCount <= configuration.limits.maxInputPixels else {
            throw .render(
                .tooManyPixels(width: info.width, height: info.height, limit: configuration.limits.maxInputPixels))
        }
        let hash = ContentHash.sha256Hex(bytes)
        let record = ResourceRecord(
            key: ResourceKey(type: type, publicID: id), version: Int(Date().timeIntervalSince1970), blob: hash,
            format: info.format.rawValue, width: info.width, height: info.height, bytes: bytes.count,
            createdAt: Date())
        let outcome = try await storing {
            try await self.blobLocks.withLock(hash) {
                _ = try await self.blobs.put(bytes)
                return try await self.catalog.saveResource(record, overwrite: overwrite)
            }
        }
        var released = outcome.releasedBlobs
        if outcome.keptExisting && outcome.stored.blob != hash { released.insert(hash) }
        await reclaim(released)
        return UploadResult(resource: outcome.stored, overwritten: outcome.replaced != nil, existing: outcome.keptExisting)
    }

    /// An original and its derivatives, or nil.
    public func resource(publicID: String, type: String = "upload") async throws(DeriveError) -> ResourceDetails? {
        let key = ResourceKey(type: type, publicID: publicID)
        return try await storing {
            guard let resource = try await self.catalog.resource(key) else { return nil }
            return ResourceDetails(resource: resource, derived: try await self.catalog.derivatives(of: key))
        }
    }

    /// Deletes an original, every derivative of it, and every blob nothing else references.
    /// Returns nil when there was no such original.
    @discardableResult
    public func delete(publicID: String, type: String = "upload") async throws(DeriveError) -> DeletedResource? {
        let key = ResourceKey(type: type, publicID: publicID)
        let deleted = try await storing { try await self.catalog.deleteResource(key) }
        if let deleted { await reclaim(deleted.releasedBlobs) }
        return deleted
    }

    // MARK: - Rendering

    /// Renders (or fetches the stored) derived image of `publicID`.
    /// - Parameters:
    ///   - transformation: Cloudinary transformation text, e.g. `c_fill,w_300,h_200`.
    ///   - format: the requested extension (`jpg`, `webp`…); nil keeps the original's format unless `f_` says otherwise.
    ///   - accept: the HTTP `Accept` header, used by `f_auto`.
    public func render(
        publicID: String, transformation: String, format: String? = nil, accept: String? = nil, type: String = "upload"
    ) async throws(DeriveError) -> RenderResult {
        let parsed: Transformation
        do { parsed = try Transformation(parsing: transformation) } catch { throw .invalidTransformation(error) }
        return try await render(
            key: ResourceKey(type: type, publicID: publicID), transformation: parsed, format: format, accept: accept)
    }

    /// Renders the image a delivery URL path names (`/<cloud>/image/upload/<transformations>/<id>.<ext>`).
    public func render(deliveryPath path: String, accept: String? = nil) async throws(DeriveError) -> RenderResult {
        let url: DeliveryURL
        do { url = try DeliveryURL(path: path, cloudName: configuration.cloudName) } catch {
            throw .invalidTransformation(error)
        }
        return try await render(
            key: ResourceKey(resourceType: url.resourceType, type: url.type, publicID: url.publicID),
            transformation: url.transformation, format: url.format, accept: accept)
    }

    func render(
        key: ResourceKey, transformation: Transformation, format: String?, accept: String?
    ) async throws(DeriveError) -> RenderResult {
        guard let resource = try await storing({ try await self.catalog.resource(key) }) else {
            throw .notFound(key.publicID)
        }
        guard let sourceFormat = ImageFormat(name: resource.format) else {
            throw .render(.unsupportedInput("stored format \(resource.format)"))
        }
        let output: ImageFormat
        do {
            output = try FormatNegotiation.outputFormat(
                transformation: transformation, extension: format, source: sourceFormat, accept: accept)
        } catch { throw .render(error) }
        let canonical = transformation.canonical
        if canonical.isEmpty && output == sourceFormat {
            let bytes = try await storing { try await self.blobs.get(resource.blob) }
            return RenderResult(bytes: bytes, format: output, blob: resource.blob, hit: true, derivative: nil)
        }
        if let stored = try await storing({
            try await self.catalog.derivative(
                key, version: resource.version, transformation: canonical, format: output.rawValue)
        }), let bytes = try? await blobs.get(stored.blob) {
            return RenderResult(bytes: bytes, format: output, blob: stored.blob, hit: true, derivative: stored)
        }
        let id = DerivativeRecord.id(
            key: key, version: resource.version, transformation: canonical, format: output.rawValue)
        do {
            return try await flights.run(id) {
                try await self.renderAndStore(resource, transformation: transformation, canonical: canonical, output: output)
            }
        } catch let error as DeriveError {
            throw error
        } catch {
            throw .store(.database("\(error)"))
        }
    }

    private func renderAndStore(
        _ resource: ResourceRecord, transformation: Transformation, canonical: String, output: ImageFormat
    ) async throws -> RenderResult {
        let source = try await storing { try await self.blobs.get(resource.blob) }
        let renderer = self.renderer
        let rendered = try await onPool { () throws(RenderError) in
            try renderer.render(source, transformation: transformation, format: output)
        }
        renderCounter.withLock { $0 += 1 }
        let hash = ContentHash.sha256Hex(rendered.bytes)
        let record = DerivativeRecord(
            key: resource.key, version: resource.version, transformation: canonical, format: output.rawValue,
            blob: hash, bytes: rendered.bytes.count, width: rendered.width, height: rendered.height,
            renderer: Renderer.fingerprint, createdAt: Date())
        let stored: DerivativeRecord
        do {
            stored = try await self.blobLocks.withLock(hash) {
                _ = try await self.blobs.put(rendered.bytes)
                return try await self.catalog.insertDerivative(record)
            }
        } catch let error as StoreError {
            guard error == .resourceGone(resource.key, version: resource.version) else { throw DeriveError.store(error) }
            // The original was deleted or replaced while rendering: the result belongs to nobody.
            await reclaim([hash])
            throw DeriveError.notFound(resource.key.publicID)
        }
        return RenderResult(bytes: rendered.bytes, format: output, blob: stored.blob, hit: false, derivative: stored)
    }

    // MARK: - Helpers

    /// Removes blobs nothing references any more. Runs under the blob's lock so a concurrent
    /// render that is about to point at the same bytes cannot lose them.
    func reclaim(_ hashes: Set<String>) async {
        for hash in hashes {
            _ = try? await blobLocks.withLock(hash) {
                if try await !self.catalog.isReferenced(hash) { try await self.blobs.remove(hash) }
            }
        }
    }

    private func onPool<T: Sendable>(_ body: @Sendable @escaping () throws(RenderError) -> T) async throws(DeriveError)
        -> T
    {
        do {
            return try await pool.run { try body() }
        } catch let error as RenderError {
            throw .render(error)
        } catch let error as DeriveError {
            throw error
        } catch {
            throw .render(.processing("\(error)"))
        }
    }

    private func storing<T: Sendable>(_ body: @Sendable () async throws -> T) async throws(DeriveError) -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw .store(error)
        } catch let error as DeriveError {
            throw error
        } catch {
            throw .store(.database("\(error)"))
        }
    }
}
