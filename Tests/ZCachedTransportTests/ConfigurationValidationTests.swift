import Testing
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

/// Options no connection can work with are refused, on both transports, before any connect.
@Suite(.enabled(if: !ZCachedTestEndpoint.isExternal))
struct ConfigurationValidationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let argument: String
        let change: @Sendable (inout ZCachedConnectionConfiguration) -> Void
    }

    static let cases: [Case] = [
        Case(testDescription: "port 0", argument: "port") { $0.port = 0 },
        Case(testDescription: "port 70000", argument: "port") { $0.port = 70_000 },
        Case(testDescription: "no connect attempt (the loop over attempts trapped below 0)", argument: "connectionAttempts") { $0.connectionAttempts = -1 },
        Case(testDescription: "zero connect attempts", argument: "connectionAttempts") { $0.connectionAttempts = 0 },
        Case(testDescription: "zero request timeout (every request timed out and closed its link)", argument: "requestTimeout") { $0.requestTimeout = .zero },
        Case(testDescription: "negative connect timeout", argument: "connectTimeout") { $0.connectTimeout = .milliseconds(-1) },
        Case(testDescription: "window over 4096 bytes (the server corrupts replies, §1.1)", argument: "inFlightWindow") { $0.inFlightWindow = 4097 },
        Case(testDescription: "empty window", argument: "inFlightWindow") { $0.inFlightWindow = 0 },
        Case(testDescription: "zero receive buffer", argument: "bufferSize") { $0.bufferSize = 0 },
    ]

    @Test(arguments: cases)
    func refusedBeforeConnecting(_ refused: Case) async throws {
        try await ZCachedTestServer.withServer { server in
            var configuration = ZCachedConnectionConfiguration(host: server.host, port: server.port)
            refused.change(&configuration)
            let configured = configuration
            let nio = await #expect(throws: ZCachedError.self) { try await ZCachedNIOConnection.connect(configuration: configured) }
            #expect(nio?.code == .invalidArgument)
            #expect(nio?.argument == "configuration.\(refused.argument)")
            let posix = await #expect(throws: ZCachedError.self) { try await onThread { try ZCachedPOSIXConnection(configuration: configured) } }
            #expect(posix?.code == .invalidArgument)
            #expect(posix?.argument == "configuration.\(refused.argument)")
            #expect(server.statistics.connectionsAccepted == 0)
        }
    }

    @Test func theDefaultsAndTheEdgesOfEachRangeAreAccepted() throws {
        try ZCachedConnectionConfiguration().validate()
        var edges = ZCachedConnectionConfiguration(port: 65_535, connectionAttempts: 1, inFlightWindow: 4096)
        try edges.validate()
        edges.port = 1
        edges.inFlightWindow = 1
        edges.bufferSize = 1
        try edges.validate()
    }
}
