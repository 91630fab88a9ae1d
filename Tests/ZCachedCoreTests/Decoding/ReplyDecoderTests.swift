import Testing
import ZCachedCore

@Suite struct ReplyDecoderTests {
    static func decodeAll(_ text: String, limits: ZCachedDecoderLimits = ZCachedDecoderLimits()) throws(ZCachedError) -> [ZCachedValue] {
        var decoder = ZCachedReplyDecoder(limits: limits)
        decoder.append(contentsOf: Array(text.utf8))
        var replies: [ZCachedValue] = []
        while let reply = try decoder.next() { replies.append(reply) }
        return replies
    }

    static func violation(_ text: String, limits: ZCachedDecoderLimits = ZCachedDecoderLimits()) -> ZCachedError? {
        do {
            _ = try decodeAll(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodesEveryType() throws {
        let replies = try Self.decodeAll(
            "$5\r\nhello\r\n\u{03}+OK\r\n\u{03}:-42\r\n\u{03},2.5\r\n\u{03},-inf\r\n\u{03}#t\r\n\u{03}_\r\n\u{03}"
                + "*2\r\n:1\r\n$1\r\n\r\r\n\u{03}%1\r\n$1\r\nk\r\n/1\r\n:3\r\n\u{03}~0\r\n\u{03}-ERR 'a' not found\r\n\u{03}"
        )
        #expect(
            replies == [
                "hello", .simpleString("OK"), -42, 2.5, .double(-.infinity), true, nil,
                [1, .bulkString([0x0D])], ["k": .orderedSet([3])], .unorderedSet([]), .error("ERR 'a' not found"),
            ]
        )
    }

    @Test func bulkStringsAreReadByLengthSoTheyMayHoldLineBreaks() throws {
        #expect(try Self.decodeAll("$4\r\na\r\nb\r\n\u{03}") == [.bulkString(Array("a\r\nb".utf8))])
    }

    /// Plain digits take a one-pass path; every other length form must still read as before.
    @Test func bulkStringLengthsInEveryAcceptedForm() throws {
        let replies = try Self.decodeAll(
            "$0\r\n\r\n\u{03}$+1\r\na\r\n\u{03}$0000000000000000002\r\nbc\r\n\u{03}$012\r\n0123456789ab\r\n\u{03}"
        )
        #expect(replies == [.bulkString([]), "a", "bc", "0123456789ab"])
    }

    @Test func integerExtremesAndLongDecimals() throws {
        let plain = "0." + String(repeating: "0", count: 323) + "5"
        let replies = try Self.decodeAll(":9223372036854775807\r\n\u{03}:-9223372036854775808\r\n\u{03},\(plain)\r\n\u{03},nan\r\n\u{03}")
        #expect(replies == [.integer(.max), .integer(.min), .double(.leastNonzeroMagnitude), .double(.nan)])
    }

    @Test func anySplitOfTheStreamGivesTheSameReplies() throws {
        let stream = Array("*3\r\n$3\r\nabc\r\n%1\r\n$1\r\nk\r\n,1.5\r\n#f\r\n\u{03}+PONG\r\n\u{03}:7\r\n\u{03}".utf8)
        let whole = try Self.decodeAll(String(decoding: stream, as: UTF8.self))
        #expect(whole.count == 3)
        for chunkSize in 1...stream.count {
            var decoder = ZCachedReplyDecoder()
            var replies: [ZCachedValue] = []
            var offset = 0
            while offset < stream.count {
                decoder.append(contentsOf: stream[offset..<min(offset + chunkSize, stream.count)])
                offset += chunkSize
                while let reply = try decoder.next() { replies.append(reply) }
            }
            #expect(replies == whole, "chunk size \(chunkSize)")
            #expect(decoder.bufferedByteCount == 0)
        }
    }

    @Test func aReplyWithoutItsTerminatorWaits() throws {
        var decoder = ZCachedReplyDecoder()
        decoder.append(contentsOf: Array("+OK\r\n".utf8))
        #expect(try decoder.next() == nil)
        decoder.append(contentsOf: [0x03])
        #expect(try decoder.next() == .simpleString("OK"))
    }

    /// No value can hold a 0x03 (no request can carry one), so one inside a reply means two of
    /// the server's frames would be read as one reply, and every later reply would shift.
    @Test(arguments: ["$3\r\na\u{03}b\r\n\u{03}", "+OK\u{03}+OK\r\n\u{03}", "-ERR x\u{03}\r\n\u{03}", "*2\r\n:1\u{03}\r\n:2\r\n\u{03}"])
    func aTerminatorInsideAReplyIsAViolationWhicheverWayTheBytesArrive(_ text: String) {
        let stream = Array(text.utf8)
        for split in 1..<stream.count {
            var decoder = ZCachedReplyDecoder()
            decoder.append(contentsOf: stream[..<split])
            let error = #expect(throws: ZCachedError.self, "split at \(split)") {
                _ = try decoder.next()
                decoder.append(contentsOf: stream[split...])
                _ = try decoder.next()
            }
            #expect(error?.code == .protocolViolation)
        }
    }

    static let malformed: [(String, String)] = [
        ("+OK\r\nX", "expected the 0x03 terminator"),
        ("+OK\r\n+OK\r\n\u{03}", "expected the 0x03 terminator"),
        ("!x\r\n\u{03}", "unknown type prefix"),
        ("10\r\nvvvvvvvvvv\r\n\u{03}", "unknown type prefix"),
        ("$x\r\nabc\r\n\u{03}", "not a decimal integer"),
        ("$-1\r\n\u{03}", "negative length"),
        ("$1\r\nabc\r\n\u{03}", "declared length"),
        (":1.5\r\n\u{03}", "not a decimal integer"),
        (":9223372036854775808\r\n\u{03}", "out of range"),
        (":99999999999999999999\r\n\u{03}", "not a 64-bit"),
        (",abc\r\n\u{03}", "not a number"),
        ("#x\r\n\u{03}", "neither"),
        ("_x\r\n\u{03}", "null reply has content"),
        ("+OK\n\u{03}", "bare line feed"),
        ("$5\nhello\r\n\u{03}", "bare line feed"),
        ("$5 \r\nhello\r\n\u{03}", "not a decimal integer"),
        ("$\r\n\u{03}", "not a 64-bit"),
        ("$99999999999999999999\r\n\u{03}", "not a 64-bit"),
        ("*-1\r\n\u{03}", "negative count"),
        ("%1\r\n:1\r\n:2\r\n\u{03}", "map key"),
    ]

    @Test(arguments: malformed)
    func malformedRepliesAreProtocolViolations(text: String, reason: String) {
        let error = Self.violation(text)
        #expect(error?.code == .protocolViolation)
        #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func limitsBoundFrameSizeDepthAndElementCount() {
        let small = ZCachedDecoderLimits(maximumFrameSize: 16, maximumDepth: 2, maximumElementCount: 3)
        #expect(Self.violation("$100\r\n", limits: small)?.message.contains("maximum frame size") == true)
        #expect(Self.violation("+" + String(repeating: "a", count: 40), limits: small)?.message.contains("maximum frame size") == true)
        #expect(Self.violation("*1\r\n*1\r\n*1\r\n:1\r\n\u{03}", limits: small)?.message.contains("nests deeper") == true)
        #expect(Self.violation("*4\r\n\u{03}", limits: small)?.message.contains("element limit") == true)
    }

    /// Limits set to "no limit" must not let a reply trap the decoder: a length whose `+ 2`
    /// overflows, or nesting deep enough to overflow the stack.
    @Test func unboundedLimitsStillRefuseWhatWouldTrap() {
        let unbounded = ZCachedDecoderLimits(maximumFrameSize: .max, maximumDepth: .max, maximumElementCount: .max)
        #expect(Self.violation("$9223372036854775807\r\n", limits: unbounded)?.code == .protocolViolation)
        let deep = String(repeating: "*1\r\n", count: 100_000) + ":1\r\n\u{03}"
        let error = Self.violation(deep, limits: unbounded)
        #expect(error?.message.contains("nests deeper than \(ZCachedDecoderLimits.deepestSupportedNesting) levels") == true, "\(String(describing: error))")
    }

    @Test func aHugeDeclaredCountDoesNotAllocateUpFront() throws {
        // 16 Mi elements declared, a few bytes sent: must wait for more bytes, not reserve 16 Mi slots.
        var decoder = ZCachedReplyDecoder()
        decoder.append(contentsOf: Array("*16000000\r\n:1\r\n".utf8))
        #expect(try decoder.next() == nil)
    }
}
