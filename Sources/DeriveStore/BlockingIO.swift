import Dispatch

/// Runs blocking file work (writes with fsync, reads, renames) off Swift's cooperative pool. That
/// pool has one thread per core (two here): a blob write waiting for the disk there held up every
/// other request, so delivery hits stalled while uploads were being stored.
enum BlockingIO {
    private static let queue = DispatchQueue(label: "derive.blob-io", qos: .userInitiated, attributes: .concurrent)

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(StoreError) -> T in try work() })
            }
        }
        return try result.get()
    }
}
