import NIOCore

/// Writes replies the way the real server does: in chunks of at most 4096 bytes, each its own
/// write system call (PROTOCOL.md §4.7). With TCP_NODELAY off, Nagle's algorithm then holds
/// every chunk after the first until the client acknowledges the previous one, which is what
/// makes replies over 4 KiB stall ~40 ms against a client that delays its ACKs.
final class RealServerWriteHandler: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let chunkSize = 4096

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var buffer = unwrapOutboundIn(data)
        while buffer.readableBytes > Self.chunkSize {
            let chunk = buffer.readSlice(length: Self.chunkSize)!
            context.write(wrapOutboundOut(chunk), promise: nil)
            context.flush()
        }
        context.write(wrapOutboundOut(buffer), promise: promise)
    }
}
