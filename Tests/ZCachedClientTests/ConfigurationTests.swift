import Testing
import ZCachedClient
import ZCachedCore

/// A client configuration no pool can work with is refused before anything connects.
@Suite struct ConfigurationTests {
    /// Nothing listens here; a client that tried to connect would fail with `connectFailed`.
    static func configuration(poolSize: Int) -> ZCachedConfiguration {
        ZCachedConfiguration(port: 1, poolSize: poolSize, connectTimeout: .milliseconds(200), connectionAttempts: 1)
    }

    @Test(arguments: [0, -1])
    func aPoolOfNoConnectionIsRefused(_ poolSize: Int) async {
        // The init clamped it to 1 without a word; set after init, it made a client with no
        // connection, whose every call failed with noAvailableConnections.
        let client = ZCachedClient(configuration: Self.configuration(poolSize: poolSize))
        let asyncError = await #expect(throws: ZCachedError.self) { try await client.connect() }
        #expect(asyncError?.code == .invalidArgument)
        #expect(asyncError?.argument == "configuration.poolSize")
        let blockingError = #expect(throws: ZCachedError.self) { try ZCachedBlockingClient(configuration: Self.configuration(poolSize: poolSize)) }
        #expect(blockingError?.code == .invalidArgument)
        #expect(blockingError?.argument == "configuration.poolSize")
    }

    @Test func aConnectionOptionOutOfRangeIsRefusedByTheClientsBeforeConnecting() async {
        var configuration = Self.configuration(poolSize: 1)
        configuration.connection.inFlightWindow = 65_536
        let client = ZCachedClient(configuration: configuration)
        let asyncError = await #expect(throws: ZCachedError.self) { try await client.connect() }
        #expect(asyncError?.argument == "configuration.inFlightWindow")
        let blockingError = #expect(throws: ZCachedError.self) { try ZCachedBlockingClient(configuration: configuration) }
        #expect(blockingError?.argument == "configuration.inFlightWindow")
    }
}
