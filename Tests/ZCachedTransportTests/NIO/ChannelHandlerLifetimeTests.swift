import NIOCore
import NIOPosix
import Testing
import ZCachedCore
import ZCachedTesting
@testable import ZCachedTransport

/// A closed link's handler is freed, with its pipeline state and buffers: the soak found every
/// replaced connection leaking ~100 KB while the handler held its own context.
@Suite struct ChannelHandlerLifetimeTests {
    /// A weak reference that any thread may read.
    private struct WeakReference {
        weak var object: AnyObject?
    }

    /// Opens a channel with a handler and returns the channel and a weak reference to the
    /// handler; no strong reference to the handler survives this call.
    private static func openChannel(to server: ZCachedTestServer) async throws -> (any Channel, ZCachedLock<WeakReference>) {
        let (channel, handler) = try await ZCachedChannelFactory.makeChannel(
            configuration: ZCachedConnectionConfiguration(host: server.host, port: server.port),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next()
        )
        let probe = ZCachedLock(WeakReference())
        try await channel.eventLoop.submit { probe.withLock { $0.object = handler.value } }.get()
        return (channel, probe)
    }

    @Test func aClosedChannelFreesItsHandler() async throws {
        let server = try await ZCachedTestServer.start()
        let (channel, probe) = try await Self.openChannel(to: server)
        #expect(probe.withLock { $0.object != nil }, "the open channel's pipeline holds the handler")
        try await channel.close()
        try await ZCachedEventually.holds { probe.withLock { $0.object == nil } }
        await server.shutdown()
    }
}
