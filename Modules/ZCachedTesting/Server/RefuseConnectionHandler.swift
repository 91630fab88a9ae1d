import NIOCore

/// Closes a connection as soon as it is active, sending nothing (the real server's behaviour
/// when it is full or the client is not whitelisted, PROTOCOL.md §4.3 and §4.5).
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }
}
