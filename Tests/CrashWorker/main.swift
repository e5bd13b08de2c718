// The child process of the SIGKILL crash test (Tests/DeriveTests/CrashTests.swift).
//
//     derive-crash-worker <data-directory> <seed> <image>...
//
// Uploads, overwrites, renders and deletes in three concurrent loops until it is killed, and
// prints a line for every acknowledged step (only after the call returned):
//
//     UPLOAD <public_id> <version>     the original is stored at this version (or a newer one)
//     RENDER <public_id>               a derivative was stored
//     DELETE <public_id>               the original is gone
//
// Keepers (`keep/<n>`) are uploaded and overwritten, never deleted, so every acknowledged upload
// must survive the crash. Temporaries (`tmp/<n>`) reuse the keepers' images, so their blobs are
// shared with the keepers': reclaiming a temporary's blobs must never take a keeper's.
import Derive
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 4 else {
    FileHandle.standardError.write(Data("usage: derive-crash-worker <data-directory> <seed> <image>...\n".utf8))
    exit(2)
}
var configuration = Configuration(dataDirectory: URL(fileURLWithPath: arguments[1]))
configuration.renderThreads = 2
configuration.lifecycle.deliverWebhooks = false
let seed = UInt64(arguments[2]) ?? 1
let images = arguments[3...].map { [UInt8](FileManager.default.contents(atPath: $0) ?? Data()) }

/// A small deterministic generator per loop, so runs differ by seed but each is reproducible.
struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func acknowledge(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let formats = ["jpg", "webp", "png"]

let derive = try await Derive.open(configuration)
await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask {
        var random = Generator(state: seed)
        while true {
            let id = "keep/\(Int.random(in: 0..<12, using: &random))"
            let result = try await derive.upload(images.randomElement(using: &random)!, publicID: id)
            acknowledge("UPLOAD \(id) \(result.resource.version)")
        }
    }
    group.addTask {
        var random = Generator(state: seed &+ 1)
        while true {
            let id = "keep/\(Int.random(in: 0..<12, using: &random))"
            let width = Int.random(in: 8...40, using: &random)
            do {
                _ = try await derive.render(
                    publicID: id, transformation: "c_scale,w_\(width)", format: formats.randomElement(using: &random)!)
                acknowledge("RENDER \(id)")
            } catch DeriveError.notFound {
                continue  // not uploaded yet, or replaced while rendering
            }
            if Int.random(in: 0..<10, using: &random) == 0,
                let derived = try await derive.resource(publicID: id)?.derived.prefix(3)
            {
                _ = try await derive.deleteDerivedResources(ids: derived.map(\.id))
            }
        }
    }
    group.addTask {
        var random = Generator(state: seed &+ 2)
        var next = 0
        while true {
            next += 1
            let id = "tmp/\(seed)-\(next)"
            let result = try await derive.upload(images.randomElement(using: &random)!, publicID: id)
            acknowledge("UPLOAD \(id) \(result.resource.version)")
            for _ in 0..<Int.random(in: 0...2, using: &random) {
                let width = Int.random(in: 8...40, using: &random)
                _ = try await derive.render(publicID: id, transformation: "c_scale,w_\(width)", format: "jpg")
            }
            switch Int.random(in: 0..<8, using: &random) {
            case 0:
                var options = DeleteOptions()
                repeat {
                    let batch = try await derive.deleteResources(matching: .prefix("tmp/"), options: options)
                    for outcome in batch.outcomes { acknowledge("DELETE \(outcome.key.publicID)") }
                    options.cursor = batch.nextCursor
                } while options.cursor != nil
            case 1, 2, 3:
                try await derive.destroy(publicID: id)
                acknowledge("DELETE \(id)")
            default:
                break  // left for a later bulk delete
            }
        }
    }
    do {
        try await group.waitForAll()
    } catch {
        FileHandle.standardError.write(Data("worker failed: \(error)\n".utf8))
        exit(1)
    }
}
