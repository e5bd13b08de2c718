// A small media service built on the Derive library: the whole lifecycle in one file.
//
//     swift run derive-example [IMAGE]          (default: TestImages/photo_coffee.png)
//
// It stores originals, renders derived images, reacts to lifecycle changes with a hook, purges a
// (pretend) CDN from the event stream, lists with cursors, deletes in bulk, and collects garbage.
// Copy it into your own package: depend on the `Derive` product (it brings `DeriveStore`).
import Derive
import DeriveStore
import Foundation

// 1. Open a store: a data directory holding `catalog.sqlite` and `blobs/`.
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("derive-example-\(UUID().uuidString)")
var configuration = Configuration(dataDirectory: directory)
configuration.cloudName = "demo"
configuration.lifecycle.deliveryBaseURL = "https://img.example.com"  // URLs in events are absolute
// configuration.lifecycle.webhooks = [WebhookEndpoint(name: "cdn", url: URL(string: "https://hooks.example.com/derive")!)]
// configuration.lifecycle.notificationSecret = "api-secret"      // signs webhooks like Cloudinary does
let derive = try await Derive.open(configuration)

// 2. A lifecycle hook: refuse to delete anything under `protected/`, and log what happened.
struct Policy: LifecycleHook {
    struct Protected: Error, CustomStringConvertible {
        var id: String
        var description: String { "\(id) is protected" }
    }

    func willDelete(_ resources: [ResourceRecord]) async throws {
        if let protected = resources.first(where: { $0.key.publicID.hasPrefix("protected/") }) {
            throw Protected(id: protected.key.publicID)
        }
    }

    func didDelete(_ resource: ResourceRecord, derivatives: [DerivativeRecord]) async {
        print("hook: deleted \(resource.key.publicID) and \(derivatives.count) derived images")
    }
}
derive.addHook(Policy())

// 3. A CDN purger: follow the event log and purge the URLs of every `invalidate` event. Resuming
//    after the last handled sequence number after a restart would lose nothing.
let purger = Task {
    for try await event in derive.events(kinds: [.invalidate]) {
        print("cdn: purge \(event.urls.count) URLs of \(event.publicID ?? "?"), e.g. \(event.urls.first ?? "-")")
    }
}

// 4. Upload originals (versions are Unix seconds; overwriting makes a newer one).
let path = CommandLine.arguments.dropFirst().first ?? "TestImages/photo_coffee.png"
guard let data = FileManager.default.contents(atPath: path) else {
    print("cannot read \(path); pass an image path")
    exit(1)
}
let bytes = [UInt8](data)
for id in ["shop/coffee", "shop/tea", "protected/logo"] {
    let result = try await derive.upload(bytes, options: UploadOptions(publicID: id, tags: ["demo"]))
    print("uploaded \(id) v\(result.resource.version) \(result.resource.width)x\(result.resource.height)")
}

// 5. Render: the first request renders and stores, the next is a hit with the same ETag.
try await derive.createNamedTransformation("card", definition: "c_fill,w_300,h_200")
let first = try await derive.render(publicID: "shop/coffee", transformation: "t_card", format: "webp")
let again = try await derive.render(deliveryPath: "/demo/image/upload/t_card/v1/shop/coffee.webp")
print(
    "rendered \(first.bytes.count) bytes \(first.contentType) hit=\(first.hit); again hit=\(again.hit) same=\(first.etag == again.etag)"
)

// 6. Overwrite: a new version; the old derived images are deleted and their URLs invalidated.
let replaced = try await derive.upload(bytes, publicID: "shop/coffee")
print(
    "overwrote shop/coffee: v\(replaced.resource.version), derived now \(try await derive.resource(publicID: "shop/coffee")!.derived.count)"
)

// 7. List with cursors (keyset pages: stable under concurrent changes, same cost at any depth).
var query = ResourceQuery(prefix: "shop/", maxResults: 1)
repeat {
    let page = try await derive.listResources(query)
    print("listed \(page.resources.map(\.key.publicID))")
    query.cursor = page.nextCursor
} while query.cursor != nil

// 8. Bulk delete by tag, 1000 originals per transaction, following the cursor. The hook refuses
//    the batch holding `protected/logo`, so nothing of that batch is deleted.
do {
    _ = try await derive.deleteResources(matching: .tag("demo"))
} catch {
    print("refused: \(error)")  // DeriveError.hookFailed(Policy.Protected)
}
var options = DeleteOptions()
repeat {
    let result = try await derive.deleteResources(matching: .prefix("shop/"), options: options)
    print("deleted \(result.originalsDeleted) originals, \(result.derivedDeleted) derived; partial=\(result.partial)")
    options.cursor = result.nextCursor
} while options.cursor != nil

// 9. Garbage collection and the consistency check (deleted blobs are already reclaimed).
let report = try await derive.collectGarbage(gracePeriod: 0)
let check = try await derive.checkConsistency()
print("gc: \(report.scannedBlobs) blobs, removed \(report.reclaimedBlobs); consistent=\(check.isConsistent)")

try await Task.sleep(for: .milliseconds(200))  // let the purger print the last events
purger.cancel()
await derive.shutdown()
try? FileManager.default.removeItem(at: directory)
