import Testing
import ZCachedClient
import ZCachedCore

/// The inputs of the validation table (Tests/ZCachedCoreTests/Validation/ValidationTableTests.swift),
/// sent through a client this time: each must be refused before a byte reaches the server.
///
/// Test targets cannot share sources, so the commands are listed again here, compactly; the
/// table itself checks the argument names and reasons.
enum RefusedInputs {
    struct Case: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let command: any ZCachedCommand

        func send(through client: ZCachedClient) async throws(ZCachedError) {
            try await Self.send(command, through: client)
        }

        func send(through client: ZCachedBlockingClient) throws(ZCachedError) {
            try Self.send(command, through: client)
        }

        private static func send<C: ZCachedCommand>(_ command: C, through client: ZCachedClient) async throws(ZCachedError) {
            _ = try await client.send(command)
        }

        private static func send<C: ZCachedCommand>(_ command: C, through client: ZCachedBlockingClient) throws(ZCachedError) {
            _ = try client.send(command)
        }
    }

    typealias K = ZCachedKeyCommands
    typealias S = ZCachedServerCommands

    static let all: [Case] = [
        Case(testDescription: "empty key", command: K.Get("")),
        Case(testDescription: "key with LF", command: K.Set("x\ny", 1)),
        Case(testDescription: "key with CRLF", command: K.Set("x\r\ny", "v")),
        Case(testDescription: "key with 0x03", command: K.Delete("a\u{03}b")),
        Case(testDescription: "empty value", command: K.Set("k", "")),
        Case(testDescription: "value with CRLF", command: K.Set("crlf", "a\r\nb")),
        Case(testDescription: "value with lone CR", command: K.Set("cr", "a\rb")),
        Case(testDescription: "value with 0x03", command: K.Set("etx", "a\u{03}b")),
        Case(testDescription: "simple string with LF", command: K.Set("k", .simpleString("a\nb"))),
        Case(testDescription: "empty map", command: K.Set("k", .map(ZCachedMap()))),
        Case(testDescription: "empty map nested in array", command: K.Set("k", [1, .map(ZCachedMap())])),
        Case(testDescription: "map key with 0x03", command: K.Set("k", ["a\u{03}": 1])),
        Case(testDescription: "top-level error value", command: K.Set("k", .error("oops"))),
        Case(testDescription: "nested error value (crash §6.4)", command: K.Set("z", [.error("oops")])),
        Case(testDescription: "error nested in an MSET map (crash §6.4)", command: K.MSet([("z", ["k": .error("oops")])])),
        Case(testDescription: "empty ECHO", command: S.Echo("")),
        Case(testDescription: "MSET with no pairs", command: K.MSet([])),
        Case(testDescription: "MGET key with LF", command: K.MGet(["a", "b\n"])),
        Case(testDescription: "RENAME to empty key", command: K.Rename("a", to: "")),
        Case(testDescription: "COPY a a REPLACE", command: K.Copy("a", to: "a", replace: true)),
        Case(testDescription: "empty command array (crash §6.1)", command: ZCachedRawCommand("")),
        Case(testDescription: "raw GET with integer key (crash §6.2)", command: ZCachedRawCommand("GET", [1])),
        Case(testDescription: "raw SIZEOF with boolean key (crash §6.2)", command: ZCachedRawCommand("SIZEOF", [true])),
        Case(testDescription: "raw argument with 0x03", command: ZCachedRawCommand("ECHO", ["a\u{03}"])),
        Case(
            testDescription: "value nested deeper than the limit",
            command: K.Set("deep", (0..<80).reduce(ZCachedValue.integer(1)) { inner, _ in .array([inner]) })
        ),
        Case(
            testDescription: "request over the 10 MiB limit",
            command: K.Set("big", .bulkString([UInt8](repeating: 0x61, count: ZCachedRequestLimits.serverDefaultMaximumRequestSize)))
        ),
    ]
}
