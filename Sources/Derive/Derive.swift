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
    /// The blob store when it reads on the calling thread (the embedded one): a render reads its
    /// original on the render thread (see `LocalBlobAccess`).
    let localBlobs: (any LocalBlobAccess)?
    let renderer: Renderer
    let pool: RenderPool
    private let flights = SingleFlight<RenderResult>()
    /// Hooks, the event notifier and webhook workers (Derive+Lifecycle.swift).
    let lifecycle: LifecycleState
    private let renderCounter = Mutex(0)
    /// Remembered delivery answers and small stored images (Derive+Delivery.swift).
    let deliveryCache: DeliveryCache
    /// Originals opened for rendering, by content hash (SourceCache.swift).
    let sourceCache: SourceCache
    /// Background eager renders (Derive+Eager.swift), finished before ``shutdown()`` returns.
    let background = BackgroundWork()
    /// Regeneration runs in progress (Regenerator.swift), so shutdown can stop them.
    let regenerations = RegenerationTasks()

    init(configuration: Configuration, catalog: any Catalog, blobs: any BlobStore) {
        self.configuration = configuration
        self.catalog = catalog
        self.blobs = blobs
        localBlobs = blobs as? any LocalBlobAccess
        renderer = Renderer(limits: configuration.limits)
        pool = RenderPool(threads: configuration.renderThreads, maxQueued: configuration.maxQueuedRenders)
        lifecycle = LifecycleState(configuration: configuration)
        deliveryCache = DeliveryCache(configuration.deliveryCache)
        sourceCache = SourceCache(maxBytes: configuration.deliveryCache.maxSourceBytes)
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
            let derive = Derive(configuration: configuration, catalog: catalog, blobs: blobs)
            await derive.startLifecycle()
            return derive
        } catch {
            throw .store(error)
        }
    }

    /// Stops webhook delivery, ends event streams and stops the render threads. Call once, when done.
    public func shutdown() async {
        await regenerations.cancelAndWait()
        await background.waitForAll()
        await lifecycle.stop()
        try? await pool.shutdown()
    }

    /// How many renders actually ran (hits served from the store do not count).
    public var renderCount: Int { renderCounter.withLock { $0 } }

    func renderCount(add count: Int) { renderCounter.withLock { $0 += count } }

    // MARK: - Originals

    /// Stores an original. Without a `publicID` a random one is made. With `overwrite` (the
    /// default) an existing id gets a new version and its old derivatives are removed.
    @discardableResult
    public func upload(
        _ bytes: [UInt8], publicID: String? = nil, overwrite: Bool = true, type: String = "upload"
    ) async throws(DeriveError) -> UploadResult {
        try await upload(bytes, options: UploadOptions(publicID: publicID, type: type, overwrite: overwrite))
    }

    /// An original and its derivatives, or nil.
    public func resource(publicID: String, type: String = "upload", resourceType: String = "image")
        async throws(DeriveError) -> ResourceDetails?
    {
        let key = ResourceKey(resourceType: resourceType, type: type, publicID: publicID)
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
        let deletions = try await deleteBatch(
            [key], planned: nil, options: DeleteOptions(type: type), operation: .destroy)
        guard let deletion = deletions.first, let resource = deletion.resource else { return nil }
        return DeletedResource(resource: resource, derivatives: deletion.derivatives)
    }

    // MARK: - Rendering

    /// Renders (or fetches the stored) derived image of `publicID`. A trusted call: no signature or
    /// strict-transformation checks (those guard delivery URLs).
    /// - Parameters:
    ///   - transformation: Cloudinary transformation text, e.g. `c_fill,w_300,h_200`.
    ///   - format: the requested extension (`jpg`, `webp`…); nil keeps the original's format unless `f_` says otherwise.
    ///   - accept: the HTTP `Accept` header, used by `f_auto`.
    ///   - hints: DPR and width client hints for `dpr_auto` / `w_auto` (`accept` wins over `hints.accept`).
    public func render(
        publicID: String, transformation: String, format: String? = nil, accept: String? = nil, type: String = "upload",
        hints: ClientHints = ClientHints()
    ) async throws(DeriveError) -> RenderResult {
        let parsed = try await parseTransformation(transformation)
        var hints = hints
        if let accept { hints.accept = accept }
        var result = try await resolve(
            key: ResourceKey(type: type, publicID: publicID), transformation: parsed, format: format, hints: hints,
            access: .trusted, readStored: true)
        result.attachment = parsed.attachment
        return result
    }

    /// Renders the image a delivery URL path names (`/<cloud>/image/upload/<transformations>/<id>.<ext>`),
    /// with the same access control as the server (signatures, private types, strict mode).
    public func render(
        deliveryPath path: String, accept: String? = nil, hints: ClientHints = ClientHints()
    ) async throws(DeriveError) -> RenderResult {
        var hints = hints
        if let accept { hints.accept = accept }
        let request = try await deliveryRequest(path)
        return try await resolve(request, hints: hints, readStored: true)
    }

    /// The derived image for `key`: the stored one when it exists, else rendered and stored.
    /// With `readStored: false` a stored image is returned without its bytes (``RenderResult/blob``
    /// says where they are), so delivery can stream them.
    func resolve(
        key: ResourceKey, transformation: Transformation, format: String?, hints: ClientHints, access: Access,
        readStored: Bool, retried: Bool = false
    ) async throws(DeriveError) -> RenderResult {
        guard let resource = try await storing({ try await self.catalog.resource(key) }) else {
            // `d_<id>.<ext>`: a missing original is replaced by the default image, same transformation.
            if let fallback = transformation.defaultImagePublicID, fallback != key.publicID {
                var defaultKey = key
                defaultKey.publicID = fallback
                var result = try await resolve(
                    key: defaultKey, transformation: transformation, format: format, hints: hints, access: access,
                    readStored: readStored)
                result.isDefaultImage = true
                return result
            }
            throw .notFound(key.publicID)
        }
        guard let sourceFormat = ImageFormat(name: resource.format) else {
            throw .render(.unsupportedInput("stored format \(resource.format)"))
        }
        let output: ImageFormat
        let resolved: ResolvedHints
        do {
            (output, resolved) = try outputVariant(
                transformation, extension: format, source: sourceFormat, hints: hints)
        } catch { throw .render(error) }
        var result: RenderResult
        let canonical = transformation.canonical + resolved.keySuffix
        if canonical.isEmpty && output == sourceFormat {
            result = RenderResult(bytes: [], format: output, blob: resource.blob, hit: true, derivative: nil)
            if readStored {
                do {
                    result.bytes = try await storing { try await self.blobs.get(resource.blob) }
                } catch .store(.blobNotFound) where !retried {
                    return try await resolve(
                        key: key, transformation: transformation, format: format, hints: hints, access: access,
                        readStored: readStored, retried: true)
                }
            }
        } else if let stored = try await storedDerivative(
            resource, canonical: canonical, output: output, readStored: readStored)
        {
            result = stored
        } else {
            try access.check(canonical: transformation.canonical, configuration: configuration.delivery)
            let id = DerivativeRecord.id(
                key: key, version: resource.version, transformation: canonical, format: output.rawValue)
            do {
                result = try await flights.run(id) {
                    try await self.renderAndStore(
                        resource, transformation: transformation, canonical: canonical, output: output,
                        hints: resolved)
                }
            } catch DeriveError.store(.blobNotFound(let hash)) where hash == resource.blob && !retried {
                // The original was overwritten or deleted (and its blob reclaimed) after the lookup:
                // answer as the catalog does now.
                return try await resolve(
                    key: key, transformation: transformation, format: format, hints: hints, access: access,
                    readStored: readStored, retried: true)
            } catch let error as DeriveError {
                throw error
            } catch {
                throw .store(.database("\(error)"))
            }
        }
        result.vary = resolved.varyHeaders
        result.resource = resource
        return result
    }

    /// The output format (`f_auto` negotiates with `Accept`) and the checked client hints: with the
    /// transformation, they pick the derivative a request gets.
    func outputVariant(
        _ transformation: Transformation, extension format: String?, source: ImageFormat, hints: ClientHints
    )
        throws(RenderError) -> (ImageFormat, ResolvedHints)
    {
        let output = try FormatNegotiation.outputFormat(
            transformation: transformation, extension: format, source: source, accept: hints.accept)
        let resolved = try ClientHintPolicy.resolve(
            transformation, dpr: hints.dprText, width: hints.widthText, limits: configuration.limits)
        return (output, resolved)
    }

    /// The stored derivative, or nil when there is none or its blob is gone (then it renders again;
    /// a missing blob is an invariant violation, logged, and `derive check --repair` clears the row).
    private func storedDerivative(
        _ resource: ResourceRecord, canonical: String, output: ImageFormat, readStored: Bool
    ) async throws(DeriveError) -> RenderResult? {
        guard
            let stored = try await storing({
                try await self.catalog.derivative(
                    resource.key, version: resource.version, transformation: canonical, format: output.rawValue)
            })
        else { return nil }
        var result = RenderResult(bytes: [], format: output, blob: stored.blob, hit: true, derivative: stored)
        do throws(StoreError) {
            if readStored {
                result.bytes = try await blobs.get(stored.blob)
            } else if try await !blobs.contains(stored.blob) {
                throw StoreError.blobNotFound(stored.blob)
            }
        } catch .blobNotFound {
            lifecycle.logger.error(
                "derivative \(stored.id) points at missing blob \(stored.blob); rendering it again")
            return nil
        } catch {
            throw .store(error)
        }
        return result
    }

    private func renderAndStore(
        _ resource: ResourceRecord, transformation: Transformation, canonical: String, output: ImageFormat,
        hints: ResolvedHints
    ) async throws -> RenderResult {
        let (rendered, hash) = try await renderHashed(
            resource, source: nil, transformation: transformation,
            context: RenderContext(format: output, devicePixelRatio: hints.devicePixelRatio, clientWidth: hints.width))
        renderCount(add: 1)
        let record = DerivativeRecord(
            key: resource.key, version: resource.version, transformation: canonical, format: output.rawValue,
            blob: hash, bytes: rendered.bytes.count, width: rendered.width, height: rendered.height,
            renderer: Renderer.fingerprint, createdAt: Date())
        let stored: DerivativeRecord
        do {
            stored = try await recordDerivative(
                record, bytes: rendered.bytes, namedTransformations: transformation.namedTransformations)
        } catch {
            // The original was deleted or replaced while rendering: the result belongs to nobody
            // (`recordDerivative` already reclaimed its blob).
            if case .store(let failure) = error, failure == .resourceGone(resource.key, version: resource.version) {
                throw DeriveError.notFound(resource.key.publicID)
            }
            throw error
        }
        return RenderResult(bytes: rendered.bytes, format: output, blob: stored.blob, hit: false, derivative: stored)
    }

    /// Renders `transformation` of `resource` (its bytes read unless given as `source`; `l_` layers
    /// read from the catalog) on the render pool and hashes the output there, once: the blob store
    /// takes the hash as given. Delivery misses, regeneration and its dry run all render here.
    func renderHashed(
        _ resource: ResourceRecord, source: [UInt8]?, transformation: Transformation, context: RenderContext
    ) async throws(DeriveError) -> (image: RenderedImage, hash: String) {
        // An original read from the store is opened once and kept (`SourceCache`); given bytes (an
        // upload's eager renders) are opened for this render only.
        let cached = source == nil ? sourceCache.source(resource.blob) : nil
        // A local original is read on the render thread itself: no hop to an I/O thread and back.
        let localBlobs = source == nil && cached == nil ? self.localBlobs : nil
        var bytes = source ?? []
        if source == nil && cached == nil && localBlobs == nil {
            bytes = try await storing { try await self.blobs.get(resource.blob) }
        }
        var context = context
        for id in transformation.layerPublicIDs {
            let key = ResourceKey(resourceType: resource.key.resourceType, type: "upload", publicID: id)
            if let layer = try await storing({ try await self.catalog.resource(key) }) {
                context.layerSources[id] = try await storing { try await self.blobs.get(layer.blob) }
            }
        }
        let renderer = self.renderer
        let sourceCache = source == nil ? self.sourceCache : nil
        let inputs = context
        let given = bytes
        let blob = resource.blob
        let outcome = try await onPool { () throws(RenderError) -> Result<(RenderedImage, String), StoreError> in
            let prepared: PreparedSource
            if let cached {
                prepared = cached
            } else {
                var bytes = given
                if let localBlobs {
                    do throws(StoreError) { bytes = try localBlobs.getNow(blob) } catch { return .failure(error) }
                }
                prepared = try PreparedSource(bytes)
                sourceCache?.remember(prepared, hash: blob)
            }
            let image = try renderer.render(prepared, transformation: transformation, context: inputs)
            return .success((image, ContentHash.sha256Hex(image.bytes)))
        }
        switch outcome {
        case .success(let rendered): return rendered
        case .failure(let error): throw DeriveError(error)
        }
    }

    // MARK: - Helpers

    func onPool<T: Sendable>(_ body: @Sendable @escaping () throws(RenderError) -> T) async throws(DeriveError)
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

    func storing<T: Sendable>(_ body: @Sendable () async throws -> T) async throws(DeriveError) -> T {
        do {
            return try await body()
        } catch let error as StoreError {
            throw DeriveError(error)
        } catch let error as DeriveError {
            throw error
        } catch {
            throw .store(.database("\(error)"))
        }
    }
}
