import Testing
@testable import ZCachedTransport

/// The pipeline read as a transcript: each event and what it decides.
@Suite struct RequestPipelineTests {
    typealias Pipeline = ZCachedRequestPipeline<String, Int>

    static func request(_ id: UInt64, size: Int, deadline: Int = 100) -> Pipeline.Request {
        .init(id: id, frame: [UInt8](repeating: 0x61, count: size), deadline: deadline, continuation: "caller \(id)")
    }

    static func deliveredTo(_ outcome: Pipeline.ReplyOutcome) -> String? {
        if case .deliver(let caller) = outcome { return caller }
        return nil
    }

    @Test func writesWholeFramesUpToTheWindowAndNoMore() {
        var pipeline = Pipeline(window: 100)
        for id: UInt64 in 1...4 { pipeline.enqueue(Self.request(id, size: 40)) }
        #expect(pipeline.nextFrameToWrite()?.count == 40)
        #expect(pipeline.nextFrameToWrite()?.count == 40)
        #expect(pipeline.nextFrameToWrite() == nil)  // 120 > 100
        #expect(pipeline.bytesInFlight == 80)
        #expect(Self.deliveredTo(pipeline.replyReceived()) == "caller 1")
        #expect(pipeline.nextFrameToWrite()?.count == 40)
        #expect(pipeline.peakBytesInFlight <= 100)
    }

    @Test func aFrameLargerThanTheWindowIsSentAlone() {
        var pipeline = Pipeline(window: 100)
        pipeline.enqueue(Self.request(1, size: 10))
        pipeline.enqueue(Self.request(2, size: 500))
        #expect(pipeline.nextFrameToWrite()?.count == 10)
        #expect(pipeline.nextFrameToWrite() == nil)
        _ = pipeline.replyReceived()
        #expect(pipeline.nextFrameToWrite()?.count == 500)
        #expect(pipeline.mustWait(size: 1))
    }

    @Test func repliesGoToCallersInRequestOrder() {
        var pipeline = Pipeline(window: 4096)
        for id: UInt64 in 1...3 { pipeline.enqueue(Self.request(id, size: 10)) }
        while pipeline.nextFrameToWrite() != nil {}
        #expect(Self.deliveredTo(pipeline.replyReceived()) == "caller 1")
        #expect(Self.deliveredTo(pipeline.replyReceived()) == "caller 2")
        #expect(Self.deliveredTo(pipeline.replyReceived()) == "caller 3")
        guard case .unsolicited = pipeline.replyReceived() else {
            Issue.record("a reply with nobody waiting must be unsolicited")
            return
        }
    }

    @Test func cancellingAWrittenRequestStillConsumesItsReply() {
        var pipeline = Pipeline(window: 4096)
        pipeline.enqueue(Self.request(1, size: 10))
        pipeline.enqueue(Self.request(2, size: 10))
        _ = pipeline.nextFrameToWrite()
        _ = pipeline.nextFrameToWrite()
        #expect(pipeline.cancel(id: 1) == "caller 1")
        #expect(pipeline.cancel(id: 1) == nil)
        guard case .discard = pipeline.replyReceived() else {
            Issue.record("the cancelled request's reply must be discarded")
            return
        }
        #expect(Self.deliveredTo(pipeline.replyReceived()) == "caller 2")
    }

    @Test func cancellingAWaitingRequestRemovesIt() {
        var pipeline = Pipeline(window: 10)
        pipeline.enqueue(Self.request(1, size: 10))
        pipeline.enqueue(Self.request(2, size: 10))
        _ = pipeline.nextFrameToWrite()
        #expect(pipeline.cancel(id: 2) == "caller 2")
        #expect(pipeline.count == 1)
        _ = pipeline.replyReceived()
        #expect(pipeline.nextFrameToWrite() == nil)
    }

    @Test func anExpiredHeadEmptiesThePipeline() throws {
        var pipeline = Pipeline(window: 4096)
        pipeline.enqueue(Self.request(1, size: 10, deadline: 5))
        pipeline.enqueue(Self.request(2, size: 10, deadline: 9))
        _ = pipeline.nextFrameToWrite()
        #expect(pipeline.earliestDeadline == 5)
        #expect(pipeline.removeAllIfExpired(now: 4) == nil)
        let removed = pipeline.removeAllIfExpired(now: 5)
        let expired = try #require(removed)
        #expect(expired.expired == "caller 1")
        #expect(expired.others == ["caller 2"])
        #expect(pipeline.count == 0)
        #expect(pipeline.bytesInFlight == 0)
    }
}
