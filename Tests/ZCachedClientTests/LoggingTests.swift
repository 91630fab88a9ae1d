import Logging
import Synchronization
import Testing
import ZCachedClient
import ZCachedCore
import ZCachedTesting

/// What the clients log, and at which level, captured by a `LogHandler` given to the client.
@Suite struct LoggingTests {
    /// One log line: its level, message and metadata (the logger's and the call's, merged).
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    /// Keeps every line logged through a ``CapturingLogHandler``.
    final class Records: Sendable {
        private let records = Mutex<[Record]>([])

        var all: [Record] { records.withLock { $0 } }

        func append(_ record: Record) {
            records.withLock { $0.append(record) }
        }

        func with(message: String) -> [Record] {
            all.filter { $0.message == message }
        }
    }

    struct CapturingLogHandler: LogHandler {
        let records: Records
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            records.append(Record(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }

    static func withClient(
        _ records: Records,
        requestTimeout: Duration = .seconds(5),
        _ body: (ZCachedClient, ZCachedTestEndpoint) async throws -> Void
    ) async throws {
        let logger = Logger(label: "zcached-tests", factory: { _ in CapturingLogHandler(records: records) })
        try await ZCachedTestEndpoint.with(
            opening: { endpoint in
                let configuration = ClientTestSupport.configuration(endpoint, poolSize: 1, requestTimeout: requestTimeout)
                let client = ZCachedClient(configuration: configuration, logger: logger)
                try await client.connect()
                return client
            },
            closing: { await $0.close() },
            body
        )
    }

    @Test func commandsLogAtTraceWithTheirNameAndKeyCountAndFailuresAtDebug() async throws {
        let records = Records()
        try await Self.withClient(records) { client, _ in
            let p = ClientTestSupport.uniquePrefix("logging-commands")
            try await client.set("\(p):a", 1)
            try await client.mset([(key: "\(p):b", value: 2), (key: "\(p):c", value: 3)])
            await #expect(throws: ZCachedError.self) { try await client.send("NOPE") }

            let succeeded = records.with(message: "zcached command")
            #expect(succeeded.map(\.level) == [.trace, .trace])
            #expect(succeeded.map { $0.metadata["zcached.command"] } == ["SET", "MSET"])
            #expect(succeeded.map { $0.metadata["zcached.key_count"] } == ["1", "2"])
            #expect(succeeded.allSatisfy { $0.metadata["zcached.error"] == nil })

            let failed = try #require(records.with(message: "zcached command failed").only)
            #expect(failed.level == .debug)
            #expect(failed.metadata["zcached.command"] == "NOPE")
            #expect(failed.metadata["zcached.key_count"] == "0")
            #expect(failed.metadata["zcached.error"]?.contains("server error") == true)

            // Nothing about a command is logged above debug.
            #expect(records.all.filter { $0.metadata["zcached.command"] != nil && $0.level > .debug }.isEmpty)
        }
    }

    @Test func connectionEventsCarryTheConnectionID() async throws {
        let records = Records()
        try await Self.withClient(records) { client, _ in
            let id = try #require(client.pool.all.first?.id)
            let opened = try #require(records.with(message: "zcached connection opened").only)
            #expect(opened.level == .debug)
            #expect(opened.metadata["zcached.connection_id"] == "\(id)")

            await client.close()
            let closed = try #require(records.with(message: "zcached connection closed").only)
            #expect(closed.level == .debug)
            #expect(closed.metadata["zcached.connection_id"] == "\(id)")
        }
    }

    @Test(.enabled(if: !ZCachedTestEndpoint.isExternal))
    func aLostLinkLogsAWarningAndItsReconnectAnInfo() async throws {
        let records = Records()
        try await Self.withClient(records, requestTimeout: .milliseconds(300)) { client, endpoint in
            let id = try #require(client.pool.all.first?.id)
            endpoint.server?.faults.inject(.dropReply, on: .nextRequest)
            await #expect(throws: ZCachedError.self) { try await client.ping() }

            try await ZCachedEventually.holds { !records.with(message: "zcached connection reestablished").isEmpty }
            let lost = try #require(records.with(message: "zcached connection lost, reconnecting").only)
            #expect(lost.level == .warning)
            #expect(lost.metadata["zcached.connection_id"] == "\(id)")
            let reestablished = try #require(records.with(message: "zcached connection reestablished").only)
            #expect(reestablished.level == .info)
            #expect(reestablished.metadata["zcached.connection_id"] == "\(id)")
            #expect(records.all.filter { $0.level >= .error }.isEmpty)
        }
    }

    @Test func aFailedConnectIsLoggedAsAnError() async throws {
        let records = Records()
        let logger = Logger(label: "zcached-tests", factory: { _ in CapturingLogHandler(records: records) })
        // Port 1 on loopback refuses connections.
        let configuration = ZCachedConfiguration(port: 1, poolSize: 1, connectTimeout: .seconds(1), connectionAttempts: 1)
        let failure = #expect(throws: ZCachedError.self) { try ZCachedBlockingClient(configuration: configuration, logger: logger) }
        #expect(failure?.code == .connectFailed)
        let logged = try #require(records.with(message: "zcached connect failed").only)
        #expect(logged.level == .error)
        #expect(logged.metadata["zcached.error"]?.contains("connect failed") == true)
    }
}

extension Array {
    /// The one element, or `nil` when there are none or several.
    fileprivate var only: Element? { count == 1 ? first : nil }
}
