import Derive
import Foundation
import Testing

@Suite struct ConfigFileTests {
    @Test func settingsBecomeEnvironmentValues() throws {
        let json = #"""
            {"cloud_name": "shop", "render_threads": 3, "strict_transformations": true,
             "webhook_url": ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"], "delivery_cache_mb": 0.5,
             "api_keys": "k:s:read-only"}
            """#
        let environment = try ConfigFile.environment(from: Data(json.utf8), file: "test.json")
        #expect(environment["DERIVE_CLOUD_NAME"] == "shop")
        #expect(environment["DERIVE_RENDER_THREADS"] == "3")
        #expect(environment["DERIVE_STRICT_TRANSFORMATIONS"] == "true")
        #expect(environment["DERIVE_WEBHOOK_URL"] == "http://127.0.0.1:1/a,http://127.0.0.1:1/b")
        #expect(environment["DERIVE_DELIVERY_CACHE_MB"] == "0.5")
        let configuration = Configuration.fromEnvironment(environment)
        #expect(configuration.cloudName == "shop" && configuration.renderThreads == 3)
        #expect(configuration.delivery.strictTransformations)
        #expect(configuration.api.keys == [.init(key: "k", secret: "s", readOnly: true)])
        #expect(configuration.delivery.signingSecrets == ["s"])
    }

    @Test func mistakesAreErrorsNamingTheSetting() {
        for json in [#"{"cloud_nmae": "x"}"#, #"{"cloud_name": {"a": 1}}"#, "[1]", "{", #"{"api_key": null}"#] {
            #expect(throws: DeriveError.self, "\(json)") {
                try ConfigFile.environment(from: Data(json.utf8), file: "bad.json")
            }
        }
        let error = #expect(throws: DeriveError.self) {
            try ConfigFile.environment(from: Data(#"{"cloud_nmae": "x"}"#.utf8), file: "bad.json")
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("cloud_nmae"))
    }

    @Test func aGeneratedKeyPairIsKeptInTheDataFolder() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("derive-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try APIConfiguration.generatedPair(in: directory)
        let again = try APIConfiguration.generatedPair(in: directory)
        #expect(first == again && first.key.count == 15 && first.secret.count == 27 && !first.readOnly)
        let mode =
            try FileManager.default.attributesOfItem(
                atPath: directory.appendingPathComponent("api-key.json").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
