import Testing
import ZCachedCore
import ZCachedTesting
import ZCachedTransport

/// On a path whose TCP segments are smaller than the 4096-byte window, both transports keep
/// at most one segment in flight, so no server read can end mid-frame after a whole frame, the
/// trigger of the server's corruption bug (PROTOCOL.md §1.1, §7.3). The embedded server offers
/// a 536-byte segment size, so loopback splits writes as a network path does.
@Suite(.serialized) struct SegmentSizeWindowTests {
    typealias K = ZCachedKeyCommands
    static let segmentSize = 536

    static func configuration(_ server: ZCachedTestServer) -> ZCachedConnectionConfiguration {
        ZCachedConnectionConfiguration(host: server.host, port: server.port, connectTimeout: .seconds(2), requestTimeout: .seconds(5))
    }

    static func sets(_ prefix: String) -> [K.Set] {
        (0..<300).map { K.Set("\(prefix)-\($0)", .bulkString("value \($0)")) }
    }

    @Test func theNIOConnectionKeepsWithinOneSegment() async throws {
        try await ZCachedTestServer.withServer(configuration: .init(maximumSegmentSize: Self.segmentSize)) { server in
            let connection = try await ZCachedNIOConnection.connect(configuration: Self.configuration(server))
            for outcome in try await connection.pipeline(Self.sets("nio-segment")) { try outcome.get() }
            let peak = await connection.peakBytesInFlight
            await connection.close()
            #expect(peak > 0)
            #expect(peak <= Self.segmentSize)
            #expect(server.statistics.bufferShiftingReads == 0)
        }
    }

    @Test func thePOSIXConnectionKeepsWithinOneSegment() async throws {
        try await ZCachedTestServer.withServer(configuration: .init(maximumSegmentSize: Self.segmentSize)) { server in
            let configuration = Self.configuration(server)
            let connection = try await onThread { try ZCachedPOSIXConnection(configuration: configuration) }
            defer { connection.close() }
            let outcomes = try await onThread { try connection.pipeline(Self.sets("posix-segment")) }
            for outcome in outcomes { try outcome.get() }
            #expect(server.statistics.maximumBytesInFlight <= Self.segmentSize)
            #expect(server.statistics.bufferShiftingReads == 0)
        }
    }
}
