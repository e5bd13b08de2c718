import DeriveRender
import Synchronization

/// Originals opened for rendering, kept by content hash so the next miss on the same original
/// (another size, format or crop of a popular image) neither reads nor copies its bytes nor parses
/// its header again (a 12 MP JPEG fill miss: 32.4 → 31.4 ms median, BENCHMARKS.md). A hash always names the same
/// bytes, so an entry is never stale; a render uses one only after the catalog has named that hash
/// as the original's current blob, so a deleted original is never rendered from here. Bounded by
/// the compressed bytes held (`DERIVE_SOURCE_CACHE_MB`), with the delivery cache's two-segment
/// eviction.
final class SourceCache: Sendable {
    private let entries: Mutex<Segmented<String, PreparedSource>>

    init(maxBytes: Int) {
        entries = Mutex(Segmented(capacity: maxBytes))
    }

    func source(_ hash: String) -> PreparedSource? {
        entries.withLock { $0.value(for: hash) }
    }

    func remember(_ source: PreparedSource, hash: String) {
        entries.withLock { $0.insert(source, for: hash, cost: max(1, source.byteCount)) }
    }
}
