import NIOCore
import ZCachedCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Serves one connection: cuts frames, runs each in order, and writes the replies.
///
/// Replies to all frames of one read batch go out in one write, flushed once in
/// `channelReadComplete`. Replies hit by a fault go through ``FaultedReplyQueue`` so that later
/// replies keep their order behind them; an emulated crash (``ZCachedFaultInjector/emulatesCrashes``)
/// closes the listener and every connection of the server. All state is bound to the channel's
/// event loop.
final class ServerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let executor: CommandExecutor
    private let faults: ZCachedFaultInjector
    private let statistics: StatisticsCounters
    private let connections: ConnectionRegistry
    private let maximumRequestSize: Int

    private var deframer = RequestDeframer()
    /// The elements of the request being run, reused from request to request.
    private var elements: [ZCachedValue] = []
    /// Replies ready for the next write.
    private var batch: [UInt8] = []
    private var batchFrameBytes = 0
    private var faulted = FaultedReplyQueue()
    /// Bytes of whole frames whose replies are not written yet.
    private var bytesInFlight = 0
    private var maximumBytesInFlight = 0
    private var isClosing = false
    /// Whether the connection has been hit by ``ZCachedFault/dropAllLaterReplies``: its requests
    /// still run, their replies are never written.
    private var losesEveryReply = false

    init(
        executor: CommandExecutor,
        faults: ZCachedFaultInjector,
        statistics: StatisticsCounters,
        connections: ConnectionRegistry,
        maximumRequestSize: Int
    ) {
        self.executor = executor
        self.faults = faults
        self.statistics = statistics
        self.connections = connections
        self.maximumRequestSize = maximumRequestSize
    }

    /// The most bytes the real server reads at once.
    static let readSize = 4096

    /// How long a closing connection waits for its last replies to be written.
    static let closeTimeout = TimeAmount.seconds(30)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        // Counted even when the connection is closing: they were received.
        statistics.recordBytesReceived(bytes.readableBytes)
        guard !isClosing else { return }
        // Taken as the real server reads (PROTOCOL.md §4.4): at most 4096 bytes at a time (a TLS
        // record can be larger), each read preceded by the size check, which looks only at the
        // bytes already held: more than the limit closes the connection with no reply.
        while !isClosing, bytes.readableBytes > 0 {
            guard deframer.bufferedByteCount <= maximumRequestSize else {
                closeOncePendingRepliesAreWritten(context: context)
                return
            }
            deframer.append(bytes.readSlice(length: min(bytes.readableBytes, Self.readSize))!)
            var completedFrames = 0
            while !isClosing, let frame = deframer.nextFrame() {
                handle(frame, context: context)
                completedFrames += 1
            }
            if completedFrames > 0, deframer.bufferedByteCount > 0 { statistics.recordBufferShiftingRead() }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        writePendingReplies(context: context)
    }

    /// The client shut its side down: the connection closes once the replies to what it sent,
    /// delayed ones included, are written.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case ChannelEvent.inputClosed = event, !isClosing else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        closeOncePendingRepliesAreWritten(context: context)
    }

    /// Stops reading requests and closes the connection once the replies already owed are
    /// written (delayed ones after their delay).
    private func closeOncePendingRepliesAreWritten(context: ChannelHandlerContext) {
        isClosing = true
        faulted.append(.close(reset: false))
        writePendingReplies(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        let frameBytes = frame.readableBytes + 1
        bytesInFlight += frameBytes
        if bytesInFlight > maximumBytesInFlight {
            maximumBytesInFlight = bytesInFlight
            statistics.recordBytesInFlight(bytesInFlight)
        }
        elements.removeAll(keepingCapacity: true)
        let parseError = frame.withUnsafeReadableBytes { bytes -> ServerError? in
            do throws(ServerError) {
                try RequestParser.parse(bytes, into: &elements)
                return nil
            } catch {
                return error
            }
        }
        // Planned first, so a fault aimed at a request that crashes the server is used up by it
        // (and does nothing), not left for a request after the restart.
        let plan = faults.plan(forRequest: statistics.recordRequest(), command: commandName)
        if faults.emulatesCrashes,
            frame.withUnsafeReadableBytes({ CrashingRequest.crashes(frame: $0, elements: elements, parsed: parseError == nil) })
        {
            crash(context: context)
            return
        }
        if plan.isNone && faulted.isEmpty && !losesEveryReply {
            executor.respond(to: elements, parseError: parseError, into: &batch)
            batch.append(0x03)
            batchFrameBytes += frameBytes
        } else {
            handleFaulted(plan: plan, parseError: parseError, frameBytes: frameBytes)
        }
    }

    private var commandName: [UInt8]? {
        guard case .bulkString(let name) = elements.first else { return nil }
        return name
    }

    /// Emulates the real server dying: stop listening, close every connection, send nothing.
    private func crash(context: ChannelHandlerContext) {
        isClosing = true
        batch.removeAll()
        context.channel.parent?.close(promise: nil)
        connections.closeAllNow()
    }

    private func handleFaulted(plan: FaultPlan, parseError: ServerError?, frameBytes: Int) {
        if plan.closesConnection || plan.resetsConnection {
            isClosing = true
            faulted.append(.close(reset: plan.resetsConnection))
            return
        }
        var reply: [UInt8] = []
        executor.respond(to: elements, parseError: parseError, into: &reply)
        if let replacement = plan.replacement { reply = replacement }
        reply.append(contentsOf: plan.terminator)
        if plan.dropsAllLaterReplies { losesEveryReply = true }
        // A dropped reply is one with no bytes: a close after some of them still closes.
        if plan.dropsReply || losesEveryReply { reply = [] }
        if let delay = plan.delay { faulted.append(.wait(delay)) }
        if let limit = plan.closesAfterReplyBytes { reply = Array(reply.prefix(limit)) }
        if reply.isEmpty {
            bytesInFlight -= frameBytes
        } else {
            faulted.append(.reply(reply, frameBytes: frameBytes, singleBytes: plan.splitsIntoSingleBytes))
        }
        if plan.closesAfterReplyBytes != nil {
            isClosing = true
            faulted.append(.close(reset: false))
        }
    }

    /// Writes the batch, then the faulted replies up to the next pending delay, and flushes.
    private func writePendingReplies(context: ChannelHandlerContext) {
        if !batch.isEmpty {
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: batch)), promise: nil)
            batch.removeAll(keepingCapacity: true)
            bytesInFlight -= batchFrameBytes
            batchFrameBytes = 0
        }
        while let item = faulted.next() {
            switch item {
            case .reply(let bytes, let frameBytes, let singleBytes):
                write(bytes, singleBytes: singleBytes, context: context)
                bytesInFlight -= frameBytes
            case .wait(let delay):
                scheduleResume(after: delay, context: context)
            case .close(let reset):
                close(resetting: reset, context: context)
                return
            }
        }
        context.flush()
    }

    /// Closes the connection after the replies written before, or at once with a reset.
    ///
    /// NIO fails the writes still queued when a channel closes, so closing at once would cut the
    /// earlier replies short whenever the socket's buffer is full (a large reply, a slow reader),
    /// though the faults promise them whole. An empty write completes after every write before
    /// it (NIOSSL orders one the same way); a client that stops reading is closed on anyway after
    /// ``closeTimeout``. A reset discards unsent bytes anyway, as the real server's does.
    private func close(resetting reset: Bool, context: ChannelHandlerContext) {
        guard !reset else {
            context.flush()
            Self.setLingerZero(context.channel)
            context.close(promise: nil)
            return
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)), promise: written)
        let channel = context.channel
        // A client that stops reading must not keep the connection forever.
        let giveUp = context.eventLoop.scheduleTask(in: Self.closeTimeout) { channel.close(promise: nil) }
        written.futureResult.whenComplete { _ in
            giveUp.cancel()
            channel.close(promise: nil)
        }
    }

    private func write(_ bytes: [UInt8], singleBytes: Bool, context: ChannelHandlerContext) {
        guard singleBytes else {
            context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            return
        }
        for byte in bytes {
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(integer: byte)), promise: nil)
        }
    }

    /// Makes the next close send a TCP RST: `SO_LINGER` on with a zero timeout.
    private static func setLingerZero(_ channel: any Channel) {
        var lingerZero = linger()
        lingerZero.l_onoff = 1
        lingerZero.l_linger = 0
        // On the channel's own event loop the option is set before this returns.
        (channel as? any SocketOptionProvider)?.setSoLinger(lingerZero).whenFailure { _ in }
    }

    private func scheduleResume(after delay: Duration, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
            let (handler, context) = bound.value
            handler.faulted.resume()
            handler.writePendingReplies(context: context)
        }
    }
}
