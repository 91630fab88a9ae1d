import Testing
import ZCachedCore

/// Every input the server would split, truncate, reject or crash on (PROTOCOL.md §6 and §7),
/// and the argument the refusal must name. Each is refused before a byte is encoded.
@Suite struct ValidationTableTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let command: any ZCachedCommand
        let argument: String
        let reason: String
    }

    typealias K = ZCachedKeyCommands
    typealias S = ZCachedServerCommands

    static let table: [Case] = [
        Case(testDescription: "empty key (§1.1: $0 is unprocessable)", command: K.Get(""), argument: "key", reason: "is empty"),
        Case(testDescription: "key with LF (§1.1: misaligned parse)", command: K.Set("x\ny", 1), argument: "key", reason: "line feed"),
        Case(testDescription: "key with CRLF (§1.1)", command: K.Set("x\r\ny", "v"), argument: "key", reason: "carriage return"),
        Case(testDescription: "key with 0x03 (§6.8: frame split)", command: K.Delete("a\u{03}b"), argument: "key", reason: "0x03"),
        Case(testDescription: "empty value (§6.9)", command: K.Set("k", ""), argument: "value", reason: "is empty"),
        Case(testDescription: "value with CRLF (§6.7: silent truncation)", command: K.Set("crlf", "a\r\nb"), argument: "value", reason: "carriage return"),
        Case(testDescription: "value with LF (§6.7)", command: K.Set("lf", "a\nb"), argument: "value", reason: "line feed"),
        Case(testDescription: "value with lone CR", command: K.Set("cr", "a\rb"), argument: "value", reason: "carriage return"),
        Case(testDescription: "value with 0x03 (§6.8)", command: K.Set("etx", "a\u{03}b"), argument: "value", reason: "0x03"),
        Case(testDescription: "simple string with LF", command: K.Set("k", .simpleString("a\nb")), argument: "value", reason: "line feed"),
        Case(testDescription: "empty simple string", command: K.Set("k", .simpleString("")), argument: "value", reason: "is empty"),
        Case(testDescription: "empty map (§6.9)", command: K.Set("k", .map(ZCachedMap())), argument: "value", reason: "empty map"),
        Case(testDescription: "empty map nested in array", command: K.Set("k", [1, .map(ZCachedMap())]), argument: "value", reason: "empty map"),
        Case(testDescription: "map key with 0x03", command: K.Set("k", ["a\u{03}": 1]), argument: "value", reason: "0x03"),
        Case(testDescription: "empty map key", command: K.Set("k", ["": 1]), argument: "value", reason: "is empty"),
        Case(testDescription: "top-level error value (-ERR unexpected)", command: K.Set("k", .error("oops")), argument: "value", reason: "error value"),
        Case(testDescription: "nested error value (§6.4: phantom key, crash)", command: K.Set("z", [.error("oops")]), argument: "value", reason: "error value"),
        Case(testDescription: "error nested in a map (§6.4)", command: K.MSet([("z", ["k": .error("oops")])]), argument: "pairs[0].value", reason: "error value"),
        Case(testDescription: "empty ECHO (§1.1)", command: S.Echo(""), argument: "message", reason: "is empty"),
        Case(testDescription: "MSET with no pairs (-ERR unexpected)", command: K.MSet([]), argument: "pairs", reason: "empty"),
        Case(testDescription: "MSET second key with CRLF", command: K.MSet([("a", 1), ("b\r\n", 2)]), argument: "pairs[1].key", reason: "carriage return"),
        Case(testDescription: "MGET key with LF", command: K.MGet(["a", "b\n"]), argument: "keys[1]", reason: "line feed"),
        Case(
            testDescription: "MGET of one text in two Unicode forms (one entry of the reply map would hold the other's value)",
            command: K.MGet(["x", "caf\u{E9}", "cafe\u{301}"]),
            argument: "keys[2]",
            reason: "keys[1] and keys[2] are the same text in different Unicode forms"
        ),
        Case(testDescription: "MGET of K and the Kelvin sign (equal as Swift strings)", command: K.MGet(["K", "\u{212A}"]), argument: "keys[1]", reason: "different Unicode forms"),
        Case(testDescription: "RENAME to empty key", command: K.Rename("a", to: ""), argument: "newKey", reason: "is empty"),
        Case(testDescription: "COPY a a REPLACE (§6.14: use-after-free)", command: K.Copy("a", to: "a", replace: true), argument: "destination", reason: "use-after-free"),
        Case(testDescription: "empty command array (§6.1: crash)", command: ZCachedRawCommand(""), argument: "command name", reason: "is empty"),
        Case(testDescription: "command name with LF", command: ZCachedRawCommand("PI\nNG"), argument: "command name", reason: "line feed"),
        Case(testDescription: "custom command announcing -1 arguments (§6.1: *0 crashes)", command: Custom.announcing(-1), argument: "argumentCount", reason: "not between 0"),
        Case(testDescription: "custom command announcing Int.max arguments", command: Custom.announcing(.max), argument: "argumentCount", reason: "not between 0"),
        Case(testDescription: "custom command writing a value before its command (§6.1)", command: Custom.valueOnly, argument: "value", reason: "before writeCommand"),
        Case(testDescription: "custom command writing nothing", command: Custom.nothing, argument: "request", reason: "no writeCommand"),
        Case(testDescription: "custom command writing fewer arguments than announced", command: Custom.fewer, argument: "request", reason: "announced 2 arguments and wrote 1"),
        Case(testDescription: "custom command writing more arguments than announced", command: Custom.more, argument: "key", reason: "announced 1 arguments and wrote more"),
        Case(testDescription: "custom command writing two commands", command: Custom.twoCommands, argument: "command name", reason: "called twice"),
        Case(testDescription: "custom GET with an integer key (§6.2: crash)", command: Custom.integerKey("get"), argument: "value", reason: "crashes the server"),
        Case(testDescription: "custom SIZEOF with an array key (§6.2: crash)", command: Custom.arrayKey, argument: "value", reason: "crashes the server"),
        Case(testDescription: "raw GET with integer key (§6.2: crash)", command: ZCachedRawCommand("GET", [1]), argument: "arguments[0]", reason: "crashes the server"),
        Case(testDescription: "raw DELETE with integer key (§6.2: crash)", command: ZCachedRawCommand("delete", [1]), argument: "arguments[0]", reason: "crashes the server"),
        Case(testDescription: "raw SIZEOF with boolean key (§6.2: crash)", command: ZCachedRawCommand("SIZEOF", [true]), argument: "arguments[0]", reason: "crashes the server"),
        Case(testDescription: "raw COPY a a replace (§6.14)", command: ZCachedRawCommand("COPY", ["a", "a", "replace"]), argument: "arguments[1]", reason: "use-after-free"),
        Case(testDescription: "raw argument with 0x03", command: ZCachedRawCommand("ECHO", ["a\u{03}"]), argument: "arguments[0]", reason: "0x03"),
        Case(
            testDescription: "request over the 10 MiB request limit (§4.4: silent close)",
            command: K.Set("big", .bulkString([UInt8](repeating: 0x61, count: ZCachedRequestLimits.serverDefaultMaximumRequestSize))),
            argument: "request", reason: "request limit"
        ),
        Case(
            testDescription: "value nested deeper than the limit",
            command: K.Set("deep", (0..<80).reduce(ZCachedValue.integer(1)) { inner, _ in .array([inner]) }),
            argument: "value", reason: "nests deeper"
        ),
    ]

    @Test(arguments: table)
    func refusedBeforeAnyByteIsEncoded(_ refused: Case) {
        var encoder = ZCachedRequestEncoder()
        do {
            try encoder.encode(refused.command)
            Issue.record("\(refused.testDescription) was encoded")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.argument == refused.argument)
            #expect(error.message.contains(refused.reason), "\(error.message)")
        }
        #expect(encoder.bytes.isEmpty)
    }

    @Test func refusalsNameTheKeyOnlyInTheDebugDescription() throws {
        let error = try #require(throws: ZCachedError.self) {
            var encoder = ZCachedRequestEncoder()
            try encoder.encode(K.Set("secret-key\n", 1))
        }
        #expect(error.key == "secret-key\n")
        #expect(!error.description.contains("secret-key"))
        #expect(error.debugDescription.contains("secret-key"))
    }

    @Test func refusalsInsideAMapNameTheEntryByPositionNotByKey() throws {
        let error = try #require(throws: ZCachedError.self) {
            var encoder = ZCachedRequestEncoder()
            try encoder.encode(K.Set("k", ["fine": 1, "alice@example.com": .bulkString("")]))
        }
        #expect(error.message.contains("value[entry 1]"), "\(error.message)")
        #expect(!error.description.contains("alice"))
    }

    /// Commands of the user's own, written with the encoder's public methods, each making one
    /// mistake in the frame's shape.
    enum Custom: ZCachedCommand {
        case announcing(Int)
        case valueOnly
        case nothing
        case fewer
        case more
        case twoCommands
        case integerKey(String)
        case arrayKey
        case fine

        var name: String { "CUSTOM" }

        func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            switch self {
            case .announcing(let count): try encoder.writeCommand("PING", argumentCount: count)
            case .valueOnly: try encoder.writeValue([])
            case .nothing: break
            case .fewer:
                try encoder.writeCommand("SET", argumentCount: 2)
                try encoder.writeKey("k")
            case .more:
                try encoder.writeCommand("GET", argumentCount: 1)
                try encoder.writeKey("a")
                try encoder.writeKey("b")
            case .twoCommands:
                try encoder.writeCommand("PING", argumentCount: 0)
                try encoder.writeCommand("PING", argumentCount: 0)
            case .integerKey(let command):
                try encoder.writeCommand(command, argumentCount: 1)
                try encoder.writeValue(1)
            case .arrayKey:
                try encoder.writeCommand("SIZEOF", argumentCount: 1)
                try encoder.writeValue(["k"])
            case .fine:
                try encoder.writeCommand("SET", argumentCount: 2)
                try encoder.writeValue(.bulkString("k"))
                try encoder.writeValue(1)
            }
        }

        func response(from reply: ZCachedValue) throws(ZCachedError) -> ZCachedValue { reply }
    }

    @Test func safeInputsPass() throws {
        var encoder = ZCachedRequestEncoder()
        try encoder.encode(Custom.fine)
        try encoder.encode(Custom.integerKey("GETX"))
        try encoder.encode(K.Copy("caf\u{E9}", to: "cafe\u{301}", replace: true))
        try encoder.encode(K.Set("żółć 🚀", .bulkString([0x00, 0x01, 0xFF, 0x7F])))
        try encoder.encode(K.Set("k", [.array([]), .orderedSet([]), .unorderedSet([]), ["a": nil]]))
        try encoder.encode(K.Copy("a", to: "a"))
        #expect(!encoder.bytes.isEmpty)
    }

    @Test func aSmallerConfiguredRequestLimitIsEnforced() {
        var encoder = ZCachedRequestEncoder(limits: ZCachedRequestLimits(maximumRequestSize: 1000))
        #expect(throws: ZCachedError.self) { try encoder.encode(K.Set("b", .bulkString([UInt8](repeating: 0x78, count: 1480)))) }
        #expect((try? encoder.encode(K.Set("b", .bulkString([UInt8](repeating: 0x78, count: 900))))) != nil)
    }
}
