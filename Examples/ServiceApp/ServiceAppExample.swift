import Logging
import ServiceLifecycle
import UnixSignals
import ZCachedClient
import ZCachedTesting

/// ``ZCachedClient`` as a swift-service-lifecycle `Service`, next to a worker service, in one
/// `ServiceGroup` that shuts down gracefully on SIGTERM or SIGINT.
///
/// ```sh
/// swift run ZCachedExampleServiceApp --once        # one batch, then a graceful shutdown
/// swift run ZCachedExampleServiceApp               # a batch a second until Ctrl-C
/// swift run ZCachedExampleServiceApp --host 127.0.0.1 --port 7556
/// ```
@main
struct ServiceAppExample {
    static func main() async throws {
        let logger = Logger(label: "service-app", factory: { StreamLogHandler.standardOutput(label: $0) })
        let server = option("--host") == nil && option("--port") == nil ? try await ZCachedTestServer.start() : nil
        let host = option("--host") ?? server?.host ?? "127.0.0.1"
        let port = option("--port").flatMap(Int.init) ?? server?.port ?? 7556
        logger.info("zcached endpoint", metadata: ["address": "\(host):\(port)", "embedded": "\(server != nil)"])

        let client = ZCachedClient(configuration: ZCachedConfiguration(host: host, port: port, poolSize: 2), logger: logger)
        let recorder = VisitRecorder(client: client, logger: logger, runsOnce: CommandLine.arguments.contains("--once"))

        // Services start in this order and shut down in reverse: the recorder stops first, then
        // the client closes its connections. When the recorder returns (after one batch with
        // --once) the whole group shuts down gracefully.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: client),
                    .init(service: recorder, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            // Connect before the group starts, so the recorder never runs ahead of the pool and a
            // bad address fails fast; the client's run() then has nothing left to open.
            try await client.connect()
            try await group.run()
            logger.info("shut down gracefully")
        } catch {
            logger.error("stopped", metadata: ["error": "\(error)"])
            await client.close()
        }
        await server?.shutdown()
    }

    /// The value after `name` on the command line, if any.
    static func option(_ name: String) -> String? {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }
}
