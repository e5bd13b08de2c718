import DeriveStore
import Foundation
import Synchronization

/// One derivative an upload or `explicit` asks for ahead of its first request (Cloudinary's
/// `eager`): a transformation and, optionally, the format (the original's when nil).
public struct EagerRequest: Sendable, Hashable {
    public var transformation: String
    public var format: String?

    public init(transformation: String, format: String? = nil) {
        self.transformation = transformation
        self.format = format
    }

    /// Cloudinary's eager list: `c_fill,w_100|w_50/png`, each item with an optional `/<ext>`.
    public static func list(_ text: String, limit: Int = 20) -> [EagerRequest] {
        text.split(separator: "|").map(String.init).filter { !$0.isEmpty }.prefix(limit).map { item in
            if let slash = item.lastIndex(of: "/"),
                !item[item.index(after: slash)...].contains(where: { $0 == "_" || $0 == "," })
            {
                return EagerRequest(
                    transformation: String(item[..<slash]), format: String(item[item.index(after: slash)...]))
            }
            return EagerRequest(transformation: item)
        }
    }
}

extension Derive {
    /// Renders (or finds, when stored) each requested derivative of `resource`.
    public func renderEager(_ requests: [EagerRequest], of resource: ResourceRecord) async throws(DeriveError)
        -> [RenderResult]
    {
        var results: [RenderResult] = []
        for request in requests {
            results.append(
                try await render(
                    publicID: resource.key.publicID, transformation: request.transformation,
                    format: request.format ?? resource.format, type: resource.key.type))
        }
        return results
    }

    /// Renders `requests` in the background (`eager_async`) and then records an `eager` event
    /// naming the derivatives and `batchID`, delivered to `notificationURL` like any notification.
    /// A failed render is logged and left out. ``shutdown()`` waits for these renders.
    public func renderEagerInBackground(
        _ requests: [EagerRequest], of resource: ResourceRecord, batchID: String, notificationURL: String?
    ) {
        background.run {
            var derivatives: [DerivativeRecord] = []
            for request in requests {
                do {
                    let result = try await self.renderEager([request], of: resource)
                    derivatives += result.compactMap(\.derivative)
                } catch {
                    self.lifecycle.logger.warning(
                        "eager \(request.transformation) of \(resource.key.publicID) failed: \(error)")
                }
            }
            let context = ChangeContext(operation: .eager, notificationURL: notificationURL)
            let change = LifecycleChange.eagerCompleted(resource, derivatives: derivatives, batchID: batchID)
            do {
                try await self.committing(context) { recorder throws(StoreError) in
                    try await self.catalog.recordChanges([change], recorder: recorder)
                }
            } catch {
                self.lifecycle.logger.warning("eager batch \(batchID) could not be recorded: \(error)")
            }
        }
    }
}

/// Work a `Derive` runs on its own (background eager renders), awaited by `shutdown()`.
final class BackgroundWork: Sendable {
    private let tasks = Mutex<[UUID: Task<Void, Never>]>([:])

    /// Starts `body`; the task is registered under the lock it takes to unregister itself, so it
    /// cannot finish before it is known.
    func run(_ body: @Sendable @escaping () async -> Void) {
        let id = UUID()
        tasks.withLock { tasks in
            tasks[id] = Task {
                await body()
                self.finish(id)
            }
        }
    }

    private func finish(_ id: UUID) {
        _ = tasks.withLock { $0.removeValue(forKey: id) }
    }

    var count: Int { tasks.withLock { $0.count } }

    func waitForAll() async {
        while let next = tasks.withLock({ $0.values.first }) {
            await next.value
            // `finish` may still be about to run: yield until it has.
            await Task.yield()
        }
    }
}
