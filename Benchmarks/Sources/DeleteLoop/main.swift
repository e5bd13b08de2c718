// The LifecycleBenchmarks bulk delete as a plain process, to run under `perf record -g`:
//
//   swift build -c release --product DeleteLoop
//   .build/release/DeleteLoop [originals]            # seed (5 derivatives each) and delete, timed
//   .build/release/DeleteLoop seed DIR [originals]   # only seed a data directory (copy it per run)
//   .build/release/DeleteLoop delete DIR             # only the batched delete of everything in DIR
//
// With DELETE_LOOP_RECLAIM=1 the seed writes blob files and the delete reclaims them at once (the
// "with blob reclaim" benchmark).

import Derive
import Foundation
import LifecycleFixtures

var arguments = Array(CommandLine.arguments.dropFirst())
let mode = ["seed", "delete"].contains(arguments.first) ? arguments.removeFirst() : "both"
let directory = mode == "both" ? nil : URL(fileURLWithPath: arguments.removeFirst())
let originals = arguments.first.flatMap(Int.init) ?? 20_000

let reclaim = ProcessInfo.processInfo.environment["DELETE_LOOP_RECLAIM"] == "1"
let store = try await Store(reclaim: reclaim ? .immediately : .deferred, directory: directory)
if mode != "delete" {
    let start = ContinuousClock.now
    try await store.seed("b", 0..<originals, derivatives: 5, writeBlobs: reclaim)
    print("seeded \(originals) originals with 5 derivatives each in \(ContinuousClock.now - start)")
}
if mode != "seed" {
    let start = ContinuousClock.now
    let derived = try await store.deleteAll()
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    print(
        String(
            format: "deleted %d derivative records in %.2f s: %.0f records/s", derived, seconds,
            Double(derived) / seconds))
}
if mode == "both" { await store.close() } else { await store.derive.shutdown() }
