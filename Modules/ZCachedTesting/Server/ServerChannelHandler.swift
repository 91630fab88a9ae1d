import NIOCore
import ZCachedCore

/// Serves one connection: cuts frames, runs each in order, and writes the replies.
///
/// Replies to all frames of one read batch go out in one write, flushed once in
/// `channelReadComplete`. Replies hit by a fault go through ``FaultedReplyQueue`` so that later
/// replies keep their order behind them. All state is bound to the channel's event loop.
final class ServerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let executor: CommandExecutor
    private let faults: ZCachedFaultInjector
    private let statistics: StatisticsCounters
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

    init(
        executor: CommandExecutor,
        faults: ZCachedFaultInjector,
        statistics: StatisticsCounters,
        maximumRequestSize: Int
    ) {
        self.executor = executor
        self.faults = faults
        self.statistics = statistics
        self.maximumRequestSize = maximumRequestSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isClosing else { return }
        let bytes = unwrapInboundIn(data)
        statistics.recordBytesReceived(bytes.readableBytes)
        deframer.append(bytes)
        while !isClosing, let frame = deframer.nextFrame() {
            handle(frame)
        }
        if !isClosing && deframer.bufferedByteCount > maximumRequestSize {
            // Like the real server: over the limit without a complete frame, close with no reply.
            isClosing = true
            writePendingReplies(context: context)
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        writePendingReplies(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func handle(_ frame: ByteBuffer) {
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
        let plan = faults.plan(forRequest: statistics.recordRequest(), command: commandName)
        if plan.isNone && faulted.isEmpty {
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

    private func handleFaulted(plan: FaultPlan, parseError: ServerError?, frameBytes: Int) {
        if plan.closesConnection {
            isClosing = true
            faulted.append(.close)
            return
        }
        var reply: [UInt8] = []
        executor.respond(to: elements, parseError: parseError, into: &reply)
        reply.append(plan.corruptsTerminator ? 0x04 : 0x03)
        if plan.dropsReply {
            bytesInFlight -= frameBytes
            return
        }
        if let delay = plan.delay { faulted.append(.wait(delay)) }
        faulted.append(.reply(reply, frameBytes: frameBytes, singleBytes: plan.splitsIntoSingleBytes))
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
            case .close:
                context.flush()
                context.close(promise: nil)
                return
            }
        }
        context.flush()
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

    private func scheduleResume(after delay: Duration, context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
            let (handler, context) = bound.value
            handler.faulted.resume()
            handler.writePendingReplies(context: context)
        }
    }
}
