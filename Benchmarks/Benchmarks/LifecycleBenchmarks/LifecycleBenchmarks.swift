// Lifecycle benchmarks (issue 5): cascade deletes, batched bulk deletes, and deep listing, through
// the `Derive` facade on the real SQLite catalog and blob folder (in a temporary directory).
//
//   cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target LifecycleBenchmarks
//
// Sizes (defaults are the targets): DERIVE_BENCH_DELETE_ORIGINALS (100,000 originals, 5
// derivatives each) and DERIVE_BENCH_LIST_ORIGINALS (1,000,000). Set-up (bulk import) is not measured.

import Benchmark
import Derive
import DeriveStore
import Foundation
import LifecycleFixtures

#if canImport(Glibc)
    import Glibc
#endif

private func environment(_ name: String, _ fallback: Int) -> Int {
    ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? fallback
}

private let deleteOriginals = environment("DERIVE_BENCH_DELETE_ORIGINALS", 100_000)
private let listOriginals = environment("DERIVE_BENCH_LIST_ORIGINALS", 1_000_000)

nonisolated(unsafe) private var destroyStore: Store?
nonisolated(unsafe) private var destroyReclaimStore: Store?
nonisolated(unsafe) private var listStore: Store?
nonisolated(unsafe) private var listCursors: [Int: String] = [:]
nonisolated(unsafe) private var counter = 0

private func listPage(_ benchmark: Benchmark, page: Int, query: ResourceQuery) async throws {
    var query = query
    query.cursor = listCursors[page]
    for _ in benchmark.scaledIterations {
        blackHole(try await listStore!.derive.listResources(query).resources.count)
    }
}

/// Seeds a fresh store with `originals` (5 derivatives each), then measures deleting them all through the
/// batched API and records derivative records per second.
private func measureDeleteAll(
    _ benchmark: Benchmark, originals: Int, reclaim: LifecycleConfiguration.BlobReclaim, writeBlobs: Bool
) async throws {
    let store = try await Store(reclaim: reclaim)
    try await store.seed("b", 0..<originals, derivatives: 5, writeBlobs: writeBlobs)
    // Flush every dirty page first (the seeding, and the blob files an earlier benchmark wrote and
    // removed), so that their write-back does not run during the measurement.
    sync()
    let start = ContinuousClock.now
    benchmark.startMeasurement()
    let derived = try await store.deleteAll()
    benchmark.stopMeasurement()
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    benchmark.measurement(.custom("derivative records/s"), Int(Double(derived) / seconds))
    precondition(derived == originals * 5)
    await store.close()
}

let benchmarks: @Sendable () -> Void = {
    let single = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal], warmupIterations: 3, maxDuration: .seconds(60), maxIterations: 60)

    // Destroy one original with 1,000 derivatives: catalog transaction with events (reclaim excluded).
    Benchmark("Destroy 1 original + 1,000 derivatives (reclaim excluded)", configuration: single) { benchmark in
        counter += 1
        try await destroyStore!.seed("d", counter..<(counter + 1), derivatives: 1_000, writeBlobs: false)
        benchmark.startMeasurement()
        let outcome = try await destroyStore!.derive.destroy(publicID: "d\(counter)")
        benchmark.stopMeasurement()
        precondition(outcome.derived == 1_000)
    } setup: {
        destroyStore = try await Store(reclaim: .deferred)
    } teardown: {
        await destroyStore?.close()
    }

    // The same with immediate reclaim of 1,001 blob files.
    Benchmark("Destroy 1 original + 1,000 derivatives (with reclaim of 1,001 blobs)", configuration: single) {
        benchmark in
        counter += 1
        try await destroyReclaimStore!.seed("r", counter..<(counter + 1), derivatives: 1_000, writeBlobs: true)
        benchmark.startMeasurement()
        let outcome = try await destroyReclaimStore!.derive.destroy(publicID: "r\(counter)")
        benchmark.stopMeasurement()
        precondition(outcome.derived == 1_000)
    } setup: {
        destroyReclaimStore = try await Store(reclaim: .immediately)
    } teardown: {
        await destroyReclaimStore?.close()
    }

    // Delete all originals through the batched API, 1,000 originals (5,000 derivatives) per transaction.
    let once = Benchmark.Configuration(
        metrics: [
            .wallClock, .cpuTotal,
            .custom("derivative records/s", polarity: .prefersLarger, useScalingFactor: false),
        ],
        warmupIterations: 0, maxDuration: .seconds(600), maxIterations: 1)
    // Five runs, each on a freshly seeded store: on a shared machine one run can be 30 % off.
    var fiveRuns = once
    fiveRuns.maxIterations = 5
    fiveRuns.maxDuration = .seconds(900)
    let bulkName =
        "Delete all \(deleteOriginals) originals + \(deleteOriginals * 5) derivatives, batched (reclaim excluded)"
    Benchmark(bulkName, configuration: fiveRuns) { benchmark in
        try await measureDeleteAll(benchmark, originals: deleteOriginals, reclaim: .deferred, writeBlobs: false)
    }

    let reclaimOriginals = deleteOriginals / 10
    let reclaimName =
        "Delete all \(reclaimOriginals) originals + \(reclaimOriginals * 5) derivatives, batched, with blob reclaim"
    Benchmark(reclaimName, configuration: once) { benchmark in
        try await measureDeleteAll(benchmark, originals: reclaimOriginals, reclaim: .immediately, writeBlobs: true)
    }

    // List 1,000,000 originals 500 at a time: the cost of a page must not depend on its depth.
    let pages = listOriginals / 500
    let pageConfiguration = Benchmark.Configuration(
        metrics: [.wallClock, .cpuTotal], warmupIterations: 5, maxDuration: .seconds(20), maxIterations: 200)
    // The listing data set is built once and kept in the temporary directory across benchmark
    // processes (delete `derive-bench-list-<count>` there to rebuild it).
    let listSetup: Benchmark.BenchmarkSetupHook = {
        guard listStore == nil else { return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "derive-bench-list-\(listOriginals)")
        let marker = directory.appendingPathComponent("seeded")
        let seeded = FileManager.default.fileExists(atPath: marker.path)
        let store = try await Store(reclaim: .deferred, directory: directory)
        if !seeded {
            try await store.seed("l", 0..<listOriginals, derivatives: 0, writeBlobs: false)
            FileManager.default.createFile(atPath: marker.path, contents: nil)
        }
        var query = ResourceQuery(maxResults: 500)
        var page = 1
        listCursors[1] = nil
        repeat {
            let result = try await store.derive.listResources(query)
            query.cursor = result.nextCursor
            page += 1
            if let cursor = result.nextCursor, [pages / 2, pages].contains(page) { listCursors[page] = cursor }
        } while query.cursor != nil
        precondition(page - 1 == pages, "expected \(pages) pages, walked \(page - 1)")
        listStore = store
    }
    for page in [1, pages / 2, pages] {
        Benchmark(
            "List \(listOriginals) originals by created_at: page \(page) of \(pages) (500 per page)",
            configuration: pageConfiguration,
            closure: { benchmark in
                try await listPage(benchmark, page: page, query: ResourceQuery(maxResults: 500))
            }, setup: listSetup)
    }
    Benchmark(
        "List \(listOriginals) originals: walk all \(pages) pages", configuration: once,
        closure: { _ in
            var query = ResourceQuery(maxResults: 500)
            var count = 0
            repeat {
                let result = try await listStore!.derive.listResources(query)
                count += result.resources.count
                query.cursor = result.nextCursor
            } while query.cursor != nil
            precondition(count == listOriginals)
        }, setup: listSetup)
}
