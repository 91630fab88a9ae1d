import Testing
import ZCachedCore

/// The decoder against every reply captured from the real server.
@Suite struct DecoderConformanceTests {
    /// Replies that are not valid by design: the reply-stream corruption bug (PROTOCOL.md §6.5),
    /// which sends the client its own request bytes. The decoder must refuse them.
    static func isCorruptByDesign(_ vector: ConformanceVector) -> Bool {
        vector.name.contains("corrupts the reply stream")
    }

    static func decodeEvery(_ bytes: [UInt8], chunkSize: Int) throws(ZCachedError) -> [ZCachedValue] {
        var decoder = ZCachedReplyDecoder()
        var replies: [ZCachedValue] = []
        var offset = 0
        while offset < bytes.count {
            decoder.append(contentsOf: bytes[offset..<min(offset + chunkSize, bytes.count)])
            offset += chunkSize
            while let reply = try decoder.next() { replies.append(reply) }
        }
        guard decoder.bufferedByteCount == 0 else { throw .protocolViolation("bytes left over") }
        return replies
    }

    @Test func theFixtureHoldsAll284Vectors() {
        #expect(ConformanceVector.all.count == 284)
    }

    @Test(arguments: ConformanceVector.all.filter { $0.response != nil })
    func everyCapturedReplyDecodesWholeAndByteByByte(_ vector: ConformanceVector) throws {
        let response = try #require(vector.response)
        let terminators = response.filter { $0 == 0x03 }.count
        if Self.isCorruptByDesign(vector) {
            #expect(throws: ZCachedError.self) { try Self.decodeEvery(response, chunkSize: response.count) }
            return
        }
        let whole = try Self.decodeEvery(response, chunkSize: response.count)
        #expect(whole.count == terminators)
        #expect(try Self.decodeEvery(response, chunkSize: 1) == whole)
        #expect(try Self.decodeEvery(response, chunkSize: 7) == whole)
        // Re-encoding gives the server's bytes back: the decoder loses nothing.
        var reencoded: [UInt8] = []
        for reply in whole {
            reencoded += ZCachedWireWriter.encodedReply(reply)
        }
        #expect(reencoded == response)
    }

    @Test func accountsForEveryVector() {
        let withReply = ConformanceVector.all.filter { $0.response != nil }
        let corrupt = withReply.filter(Self.isCorruptByDesign)
        let noReply = ConformanceVector.all.filter { $0.response == nil }
        print("decoder conformance: \(withReply.count - corrupt.count) replies decoded, \(corrupt.count) corrupt-by-design refused, \(noReply.count) vectors have no reply")
        #expect(withReply.count + noReply.count == ConformanceVector.all.count)
    }
}
