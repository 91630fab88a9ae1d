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
        Case(testDescription: "receive buffer over Int32.max (setsockopt takes a CInt)", argument: "bufferSize") { $0.bufferSize = 1 << 31 },
        Case(testDescription: "request timeout past Int64.max seconds (reading it as seconds trapped)", argument: "requestTimeout") {
            $0.requestTimeout = .seconds(UInt64.max)
        },
        Case(testDescription: "connect timeout past Int64.max seconds", argument: "connectTimeout") { $0.connectTimeout = .seconds(1e19) },
        Case(testDescription: "backoff maximum of Int64.max seconds (a sleep that long traps)", argument: "backoff.max") {
            $0.backoff.max = .seconds(Int64.max)
        },
        Case(testDescription: "negative first backoff delay", argument: "backoff.initial") { $0.backoff.initial = .seconds(-1) },
        Case(testDescription: "backoff maximum past Int64.max seconds", argument: "backoff.max") { $0.backoff.max = .seconds(UInt64.max) },
        Case(testDescription: "no reply may be read", argument: "replyLimits.maximumFrameSize") { $0.replyLimits.maximumFrameSize = 0 },
        Case(testDescription: "no reply element may be read", argument: "replyLimits.maximumElementCount") { $0.replyLimits.maximumElementCount = 0 },
        Case(testDescription: "no reply nesting", argument: "replyLimits.maximumDepth") { $0.replyLimits.maximumDepth = 0 },
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
        edges.bufferSize = Int(Int32.max)
        edges.requestTimeout = .seconds(Int64.max)
        edges.connectTimeout = .seconds(Int64.max)
        edges.backoff = ExponentialBackoff(initial: .zero, max: .seconds(100 * 365 * 24 * 3600))
        // Deeper than the decoder follows is accepted: it counts as the deepest it follows.
        edges.replyLimits = ZCachedDecoderLimits(maximumFrameSize: .max, maximumDepth: .max, maximumElementCount: 1)
        try edges.validate()
    }
}
