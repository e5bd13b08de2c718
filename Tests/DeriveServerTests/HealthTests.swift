import Derive
import Foundation
import HTTPTypes
import Testing

/// `GET /health` answers 200 only while the catalog answers and the blob store can be written.
@Suite struct HealthTests {
    @Test func healthFollowsTheBlobStore() async throws {
        try await ServerFixture.withServer { derive, client in
            try await ServerFixture.expectHealthy(client)
            let blobs = derive.configuration.dataDirectory.appendingPathComponent("blobs")
            let aside = derive.configuration.dataDirectory.appendingPathComponent("blobs-aside")
            try FileManager.default.moveItem(at: blobs, to: aside)
            try await Task.sleep(for: .milliseconds(1_100))
            let sick = try await ServerFixture.get(client, "/health")
            #expect(sick.status == .serviceUnavailable)
            #expect(ServerFixture.message(sick.body)?.hasPrefix("unhealthy:") == true)
            #expect(sick.headers[.retryAfter] != nil)
            try FileManager.default.moveItem(at: aside, to: blobs)
            try await Task.sleep(for: .milliseconds(1_100))
            try await ServerFixture.expectHealthy(client)
        }
    }
}
