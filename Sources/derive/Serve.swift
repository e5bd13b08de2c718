import ArgumentParser
import Derive
import DeriveRender
import DeriveServer
import Foundation
import Hummingbird
import Metrics
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP server.",
        discussion: """
            Examples:
              derive serve --port 8080
              DERIVE_API_KEYS=key:secret derive serve --host 127.0.0.1 --port 0 --data /srv/derive
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port to bind (0 picks a free one).") var port = 8080
    @Option(
        help: """
            Collect garbage every SECONDS in the background (0: never). \
            Default: $DERIVE_GC_INTERVAL_SECONDS, else 3600.
            """)
    var gcInterval: Double?

    func run() async throws {
        // Flat memory and no page-fault churn under render load; the environment's settings win.
        VipsRuntime.configureMallocForRendering()
        // Before anything creates a metric: handles made earlier would stay unexported.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var configuration = try global.configuration
        if let gcInterval {
            configuration.lifecycle.gcInterval = gcInterval > 0 ? gcInterval : nil
        } else if ProcessInfo.processInfo.environment["DERIVE_GC_INTERVAL_SECONDS"] == nil {
            configuration.lifecycle.gcInterval = 3_600
        }
        var generated: APIConfiguration.KeyPair?
        if configuration.api.keys.isEmpty {
            // No key configured: one kept in the data folder, so the API works from the first start.
            do { generated = try APIConfiguration.generatedPair(in: configuration.dataDirectory) } catch {
                throw fail(error)
            }
            if let generated {
                configuration.api.keys = [generated]
                configuration.delivery.signingSecrets.append(generated.secret)
            }
        }
        let derive: Derive
        do { derive = try await Derive.open(configuration) } catch { throw fail(error) }
        FileHandle.standardOutput.write(Data("derive: \(configuration.summary)\n".utf8))
        let cloud = configuration.cloudName
        let data = configuration.dataDirectory.path
        let generatedPair = generated
        let host = self.host
        let accessLog = !["0", "false", "off", "no"].contains(
            (ProcessInfo.processInfo.environment["DERIVE_ACCESS_LOG"] ?? "1").lowercased())
        let app = DeriveHTTPServer.makeApplication(
            derive: derive, host: host, port: port, metrics: registry, accessLog: accessLog
        ) { port in
            let line =
                "derive: listening on http://\(host):\(port)/\(cloud)/image/upload/<transformations>/<public_id>.<ext>\n"
            FileHandle.standardOutput.write(Data(line.utf8))
            if let generated = generatedPair {
                FileHandle.standardOutput.write(
                    Data(Self.sdkHint(generated, data: data, cloud: cloud, host: host, port: port).utf8))
            }
        }
        try await app.runService()
        await derive.shutdown()
    }

    static func sdkHint(_ pair: APIConfiguration.KeyPair, data: String, cloud: String, host: String, port: Int)
        -> String
    {
        """
        derive: no API key configured: using the pair in \(data)/api-key.json (api_key \(pair.key)).
        derive: point the Cloudinary Python SDK at this server with
            import cloudinary
            cloudinary.config(cloud_name="\(cloud)", api_key="\(pair.key)", api_secret="<api_secret from api-key.json>",
                              upload_prefix="http://\(host):\(port)", cname="\(host):\(port)", secure=False)

        """
    }
}
