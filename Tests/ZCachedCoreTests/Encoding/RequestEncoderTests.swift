import Testing
import ZCachedCore

@Suite struct RequestEncoderTests {
    static func encoded<Command: ZCachedCommand>(_ command: Command) throws -> String {
        var encoder = ZCachedRequestEncoder()
        try encoder.encode(command)
        return String(decoding: encoder.bytes, as: UTF8.self)
    }

    @Test func everyCommandEncodesAsAnArrayOfBulkStringsWithTerminator() throws {
        typealias K = ZCachedKeyCommands
        typealias S = ZCachedServerCommands
        #expect(try Self.encoded(S.Ping()) == "*1\r\n$4\r\nPING\r\n\u{03}")
        #expect(try Self.encoded(S.Echo("Hello")) == "*2\r\n$4\r\nECHO\r\n$5\r\nHello\r\n\u{03}")
        #expect(try Self.encoded(S.Flush()) == "*1\r\n$5\r\nFLUSH\r\n\u{03}")
        #expect(try Self.encoded(S.DBSize()) == "*1\r\n$6\r\nDBSIZE\r\n\u{03}")
        #expect(try Self.encoded(S.Save()) == "*1\r\n$4\r\nSAVE\r\n\u{03}")
        #expect(try Self.encoded(S.LastSave()) == "*1\r\n$8\r\nLASTSAVE\r\n\u{03}")
        #expect(try Self.encoded(S.Keys()) == "*1\r\n$4\r\nKEYS\r\n\u{03}")
        #expect(try Self.encoded(K.Get("a")) == "*2\r\n$3\r\nGET\r\n$1\r\na\r\n\u{03}")
        #expect(try Self.encoded(K.Set("a", 42)) == "*3\r\n$3\r\nSET\r\n$1\r\na\r\n:42\r\n\u{03}")
        #expect(try Self.encoded(K.Delete("a")) == "*2\r\n$6\r\nDELETE\r\n$1\r\na\r\n\u{03}")
        #expect(try Self.encoded(K.SizeOf("a")) == "*2\r\n$6\r\nSIZEOF\r\n$1\r\na\r\n\u{03}")
        #expect(try Self.encoded(K.MGet(["a", "nope"])) == "*3\r\n$4\r\nMGET\r\n$1\r\na\r\n$4\r\nnope\r\n\u{03}")
        // The same key twice, byte for byte, is fine: the server answers it once.
        #expect(try Self.encoded(K.MGet(["caf\u{E9}", "a", "caf\u{E9}"])).hasPrefix("*4\r\n$4\r\nMGET\r\n"))
        #expect(try Self.encoded(K.MSet([("a", "1"), ("b", 2)])) == "*5\r\n$4\r\nMSET\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n:2\r\n\u{03}")
        #expect(try Self.encoded(K.Rename("a", to: "b")) == "*3\r\n$6\r\nRENAME\r\n$1\r\na\r\n$1\r\nb\r\n\u{03}")
        #expect(try Self.encoded(K.Copy("a", to: "n")) == "*3\r\n$4\r\nCOPY\r\n$1\r\na\r\n$1\r\nn\r\n\u{03}")
        #expect(try Self.encoded(K.Copy("c", to: "n", replace: true)) == "*4\r\n$4\r\nCOPY\r\n$1\r\nc\r\n$1\r\nn\r\n$7\r\nREPLACE\r\n\u{03}")
    }

    @Test func valuesEncodeWithTheirOwnTypePrefix() throws {
        let value: ZCachedValue = [
            .simpleString("s"), -7, 2.5, .double(.nan), false, nil, .orderedSet([1]), .unorderedSet([]), ["k": "v"],
        ]
        let text = try Self.encoded(ZCachedKeyCommands.Set("k", value))
        #expect(text == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n*9\r\n+s\r\n:-7\r\n,2.5\r\n,nan\r\n#f\r\n_\r\n/1\r\n:1\r\n~0\r\n%1\r\n$1\r\nk\r\n$1\r\nv\r\n\u{03}")
    }

    @Test func byteLengthsCountUTF8Bytes() throws {
        #expect(try Self.encoded(ZCachedKeyCommands.Get("żółć")) == "*2\r\n$3\r\nGET\r\n$8\r\nżółć\r\n\u{03}")
    }

    /// Short bulk strings are composed on the stack, longer ones appended in parts: both forms,
    /// and one- and two-digit lengths, must give the same bytes.
    @Test(arguments: [1, 9, 10, 57, 58, 99, 100, 5000])
    func bulkStringsOfEveryLengthEncodeExactly(length: Int) throws {
        let text = String((0..<length).map { Character(UnicodeScalar(UInt8(ascii: "a") + UInt8($0 % 26))) })
        let bulk = "$\(length)\r\n\(text)\r\n"
        #expect(try Self.encoded(ZCachedKeyCommands.Get(text)) == "*2\r\n$3\r\nGET\r\n" + bulk + "\u{03}")
        #expect(try Self.encoded(ZCachedKeyCommands.Set("k", .bulkString(text))) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n" + bulk + "\u{03}")
    }

    @Test func integerExtremesEncodeExactly() throws {
        #expect(try Self.encoded(ZCachedKeyCommands.Set("k", .integer(.min))).contains(":-9223372036854775808\r\n"))
        #expect(try Self.encoded(ZCachedKeyCommands.Set("k", .integer(.max))).contains(":9223372036854775807\r\n"))
    }

    @Test func aRefusedCommandLeavesEarlierFramesIntact() throws {
        var encoder = ZCachedRequestEncoder()
        try encoder.encode(ZCachedServerCommands.Ping())
        let before = encoder.bytes
        #expect(throws: ZCachedError.self) { try encoder.encode(ZCachedKeyCommands.MSet([("a", 1), ("b", "x\ny")])) }
        #expect(encoder.bytes == before)
        encoder.reset()
        #expect(encoder.bytes.isEmpty)
    }
}
