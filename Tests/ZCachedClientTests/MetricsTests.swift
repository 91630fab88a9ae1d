import Metrics
import MetricsTestKit
import Testing
import ZCachedClient
import ZCachedCore
import ZCachedTesting

/// The clients' swift-metrics instruments, recorded into a `TestMetrics` given to the client,
/// so no global metrics system is bootstrapped.
@Suite struct MetricsTests {
    static func withClient(
        _ metrics: TestMetrics,
        poolSize: Int = 2,
        requestTimeout: Duration = .seconds(5),
        _ body: (ZCachedClient, ZCachedTestEndpoint) async throws -> Void
    ) async throws {
        try await ZCachedTestEndpoint.with(
            opening: { endpoint in
                let configuration = ClientTestSupport.configuration(endpoint, poolSize: poolSize, requestTimeout: requestTimeout)
                let client = ZCachedClient(configuration: configuration, metricsFactory: metrics)
                try await client.connect()
                return client
            },
            closing: { await $0.close() },
            body
        )
    }

    static func withBlockingClient(
        _ metrics: TestMetrics,
        poolSize: Int = 2,
        requestTimeout: Duration = .seconds(5),
        _ body: (ZCachedBlockingClient, ZCachedTestEndpoint) async throws -> Void
    ) async throws {
        try await ZCachedTestEndpoint.with(
            opening: { endpoint in
                let configuration = ClientTestSupport.configuration(endpoint, poolSize: poolSize, requestTimeout: requestTimeout)
                return try ZCachedBlockingClient(configuration: configuration, metricsFactory: metrics)
            },
            closing: { $0.close() },
            body
        )
    }

    /// `zcached_commands_total` for one command and outcome.
    static func commands(_ metrics: TestMetrics, _ command: String, _ outcome: String) -> Int64 {
        metrics.counterTotal(label: "zcached_commands_total", dimensions: [("command", command), ("outcome", outcome)])
    }

    static func errors(_ metrics: TestMetrics, _ code: String) -> Int64 {
        metrics.counterTotal(label: "zcached_errors_total", dimensions: [("code", code)])
    }

    /// A gauge's last value; `nil` when it was never made or never set.
    static func meter(_ metrics: TestMetrics, _ label: String) -> Double? {
        (try? metrics.expectMeter(label))?.lastValue
    }

    @Test func theAsyncClientCountsCommandsByNameAndOutcomeAndErrorsByCode() async throws {
        let metrics = TestMetrics()
        try await Self.withClient(metrics) { client, _ in
            let p = ClientTestSupport.uniquePrefix("metrics-async")
            try await client.ping()
            try await client.set("\(p):a", 1)
            try await client.set("\(p):b", 2)
            #expect(try await client.get("\(p):a") == 1)
            #expect(try await client.get("\(p):missing") == nil)
            // A missing key is an answer, not a failure, even where the client throws for it.
            await #expect(throws: ZCachedError.self) { try await client.rename("\(p):missing", to: "\(p):z") }
            await #expect(throws: ZCachedError.self) { try await client.set("", 1) }
            #expect(try await client.send("echo", ["raw"]) == "raw")
            await #expect(throws: ZCachedError.self) { try await client.send("NOPE") }

            #expect(Self.commands(metrics, "PING", "success") == 1)
            #expect(Self.commands(metrics, "SET", "success") == 2)
            #expect(Self.commands(metrics, "SET", "error") == 1)
            #expect(Self.commands(metrics, "GET", "success") == 2)
            #expect(Self.commands(metrics, "GET", "error") == 0)
            #expect(Self.commands(metrics, "RENAME", "success") == 1)
            #expect(Self.commands(metrics, "ECHO", "success") == 1)
            #expect(Self.commands(metrics, "OTHER", "error") == 1)
            #expect(metrics.counterTotal(label: "zcached_commands_total") == 9)

            #expect(Self.errors(metrics, "invalid_argument") == 1)
            #expect(Self.errors(metrics, "server_error") == 1)
            #expect(metrics.counterTotal(label: "zcached_errors_total") == 2)
            #expect(metrics.counterTotal(label: "zcached_timeouts_total") == 0)

            let getDurations = try metrics.expectTimer("zcached_command_duration", [("command", "GET")]).values
            #expect(getDurations.count == 2)
            #expect(getDurations.allSatisfy { $0 > 0 })
            let inFlight = try metrics.expectMeter("zcached_requests_in_flight").values
            #expect(inFlight.count == 18)  // one increment and one decrement per command
            #expect(inFlight.last == 0)
            #expect(inFlight.max() == 1)  // the commands ran one after the other
        }
    }

    @Test func aPipelinedBatchIsCountedOneCommandAtATime() async throws {
        let metrics = TestMetrics()
        try await Self.withClient(metrics) { client, _ in
            let p = ClientTestSupport.uniquePrefix("metrics-pipeline")
            let keys = ["\(p):a", "\(p):b", "\(p):missing"]
            for outcome in try await client.pipeline(keys.prefix(2).map { ZCachedKeyCommands.Set($0, 1) }) { try outcome.get() }
            _ = try await client.pipeline(keys.map { ZCachedKeyCommands.Get($0) })
            await #expect(throws: ZCachedError.self) { try await client.pipeline([ZCachedKeyCommands.Get("")]) }

            #expect(Self.commands(metrics, "SET", "success") == 2)
            #expect(Self.commands(metrics, "GET", "success") == 3, "a missing key is an answer")
            #expect(Self.commands(metrics, "GET", "error") == 1, "a refused batch counts each command")
            #expect(Self.errors(metrics, "invalid_argument") == 1)
            #expect(try metrics.expectTimer("zcached_command_duration", [("command", "GET")]).values.count == 4)
            let inFlight = try metrics.expectMeter("zcached_requests_in_flight").values
            #expect(inFlight.last == 0)
            #expect(inFlight.max() == 3, "a batch's commands are in flight together")
        }
    }

    @Test func theAsyncClientGaugesItsPoolAndConnectedConnections() async throws {
        let metrics = TestMetrics()
        try await Self.withClient(metrics, poolSize: 3) { client, _ in
            #expect(Self.meter(metrics, "zcached_pool_connections") == 3)
            #expect(Self.meter(metrics, "zcached_connected_connections") == 3)
            #expect(await client.reduce(by: 1) == 1)
            #expect(Self.meter(metrics, "zcached_pool_connections") == 2)
            #expect(Self.meter(metrics, "zcached_connected_connections") == 2)
            await client.close()
            #expect(Self.meter(metrics, "zcached_pool_connections") == 0)
            #expect(Self.meter(metrics, "zcached_connected_connections") == 0)
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func theAsyncClientCountsATimeoutAndTheReconnectAfterIt() async throws {
        let metrics = TestMetrics()
        try await Self.withClient(metrics, poolSize: 1, requestTimeout: .milliseconds(300)) { client, endpoint in
            try await client.ping()
            endpoint.server?.faults.inject(.dropReply, on: .nextRequest)
            let timeout = await #expect(throws: ZCachedError.self) { try await client.get("metrics-timeout") }
            #expect(timeout?.code == .timeout)
            #expect(metrics.counterTotal(label: "zcached_timeouts_total") == 1)
            #expect(Self.errors(metrics, "timeout") == 1)
            #expect(Self.commands(metrics, "GET", "error") == 1)

            try await ZCachedEventually.holds {
                metrics.counterTotal(label: "zcached_reconnects_total", dimensions: [("outcome", "success")]) == 1
            }
            #expect(Self.meter(metrics, "zcached_connected_connections") == 1)
            let connected = try metrics.expectMeter("zcached_connected_connections").values
            #expect(connected.contains(0))  // the gauge went down while the link was reconnecting
            try await client.ping()
        }
    }

    @Test func theBlockingClientRecordsTheSameMetrics() async throws {
        let metrics = TestMetrics()
        try await Self.withBlockingClient(metrics) { client, _ in
            let p = ClientTestSupport.uniquePrefix("metrics-blocking")
            try client.set("\(p):a", 1)
            #expect(try client.get("\(p):a") == 1)
            #expect(throws: ZCachedError.self) { try client.set("\(p):bad", "a\r\nb") }

            #expect(Self.commands(metrics, "SET", "success") == 1)
            #expect(Self.commands(metrics, "SET", "error") == 1)
            #expect(Self.commands(metrics, "GET", "success") == 1)
            #expect(Self.errors(metrics, "invalid_argument") == 1)
            #expect(try metrics.expectTimer("zcached_command_duration", [("command", "SET")]).values.count == 2)
            #expect(Self.meter(metrics, "zcached_requests_in_flight") == 0)
            #expect(Self.meter(metrics, "zcached_pool_connections") == 2)
            #expect(Self.meter(metrics, "zcached_connected_connections") == 2)
            client.close()
            #expect(Self.meter(metrics, "zcached_pool_connections") == 0)
            #expect(Self.meter(metrics, "zcached_connected_connections") == 0)
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aBlockingClientThatFailsToFillItsPoolLeavesNoConnectionCounted() async throws {
        let metrics = TestMetrics()
        try await ZCachedTestServer.withServer { server in
            var configuration = ZCachedConfiguration(host: server.host, port: server.port, poolSize: 3, connectionAttempts: 1)
            // The third connection is accepted and closed at once, failing its link check.
            let opened = ZCachedLock(0)
            configuration.connection.onStateChange = { change in
                guard change.current == .connected else { return }
                if opened.withLock({ $0 += 1; return $0 }) == 2 { server.faults.refusesConnections = true }
            }
            let error = #expect(throws: ZCachedError.self) {
                try ZCachedBlockingClient(configuration: configuration, metricsFactory: metrics)
            }
            #expect(error?.code == .connectFailed)
            // The two connections opened before were closed, and counted out.
            #expect(Self.meter(metrics, "zcached_pool_connections") == 0)
            #expect(Self.meter(metrics, "zcached_connected_connections") == 0)
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func theBlockingClientCountsATimeoutAndTheReconnectOnTheNextRequest() async throws {
        let metrics = TestMetrics()
        try await Self.withBlockingClient(metrics, poolSize: 1, requestTimeout: .milliseconds(300)) { client, endpoint in
            try client.ping()
            endpoint.server?.faults.inject(.dropReply, on: .nextRequest)
            let timeout = #expect(throws: ZCachedError.self) { try client.get("metrics-timeout") }
            #expect(timeout?.code == .timeout)
            #expect(metrics.counterTotal(label: "zcached_timeouts_total") == 1)
            #expect(Self.meter(metrics, "zcached_connected_connections") == 0)

            try client.ping()  // reconnects first
            #expect(metrics.counterTotal(label: "zcached_reconnects_total", dimensions: [("outcome", "success")]) == 1)
            #expect(Self.meter(metrics, "zcached_connected_connections") == 1)
        }
    }
}
