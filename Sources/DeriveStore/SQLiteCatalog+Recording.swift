import Foundation
import GRDB
import Synchronization

/// Recording changes: the recorder turns a transaction's changes into events, which are appended
/// to the log in that same transaction.
extension SQLiteCatalog {
    public func recordChanges(_ changes: [LifecycleChange], recorder: @escaping ChangeRecorder)
        async throws(StoreError)
    {
        try await write(keepsDeliveries: true) { db in try Self.record(db, changes, recorder) }
    }

    /// Hands committed changes to the recorder and appends its events, in the current transaction.
    static func record(_ db: Database, _ changes: [LifecycleChange], _ recorder: @escaping ChangeRecorder) throws {
        guard !changes.isEmpty else { return }
        try appendEvents(db, try recorder(changes))
    }

    /// ``record(_:_:_:)`` for changes that `writes` has yet to make in this transaction: a large
    /// batch's recorder (the events of a bulk delete name every URL: as much work as deleting the
    /// rows) runs on another thread meanwhile. Either failing fails the whole; the events are
    /// appended after both, so they still commit or roll back with the change.
    static func record(
        _ db: Database, _ changes: [LifecycleChange], _ recorder: @escaping ChangeRecorder,
        whileRunning writes: () throws -> Void
    ) throws {
        let work = changes.reduce(0) { $0 + 1 + $1.removedDerivatives.count }
        guard work >= concurrentRecordingThreshold else {
            try writes()
            return try record(db, changes, recorder)
        }
        let recording = ConcurrentRecording(changes, recorder)
        do {
            try writes()
        } catch {
            _ = recording.wait()
            throw error
        }
        try appendEvents(db, try recording.wait().get())
    }

    /// Changes plus derivatives below which recording on another thread is not worth the hop.
    static let concurrentRecordingThreshold = 256

    /// Appends events, up to ``eventsPerInsert`` rows per `INSERT` statement: each statement
    /// reads and writes `events`' AUTOINCREMENT counter once and pays one statement set-up, which
    /// cost as much as the rows themselves when a bulk delete wrote one statement per event.
    static func appendEvents(_ db: Database, _ drafts: [EventDraft]) throws {
        guard !drafts.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        var start = drafts.startIndex
        while start < drafts.endIndex {
            let end = min(start + eventsPerInsert, drafts.endIndex)
            let insert = try db.cachedStatement(sql: insertEventsSQL(rows: end - start))
            let binding = SQLiteBinding(insert, in: db)
            defer { binding.finish() }
            var column: Int32 = 0
            for draft in drafts[start..<end] {
                try binding.bind(column + 1, now)
                try binding.bind(column + 2, draft.kind)
                try binding.bind(column + 3, draft.key?.resourceType)
                try binding.bind(column + 4, draft.key?.type)
                try binding.bind(column + 5, draft.key?.publicID)
                try binding.bind(column + 6, draft.version)
                try binding.bind(column + 7, draft.payload)
                try binding.bind(column + 8, draft.notificationURL)
                column += 8
            }
            try binding.step()
            start = end
        }
    }

    /// Rows per multi-row event insert (8 parameters each: far below SQLite's limit).
    static let eventsPerInsert = 64

    static func insertEventsSQL(rows: Int) -> String {
        "INSERT INTO events (time, kind, resource_type, type, public_id, version, payload, notification_url) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
    }
}

/// A recorder call running on a global queue, waited for from the transaction's thread (GRDB's
/// writer queue, not Swift's cooperative pool, so blocking there starves nothing).
final class ConcurrentRecording: Sendable {
    private let outcome = Mutex<Result<[EventDraft], any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ changes: [LifecycleChange], _ recorder: @escaping ChangeRecorder) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let result = Result { try recorder(changes) }
            outcome.withLock { $0 = result }
            done.signal()
        }
    }

    /// Blocks until the recorder has returned; call once.
    func wait() -> Result<[EventDraft], any Error> {
        done.wait()
        return outcome.withLock { $0! }
    }
}
