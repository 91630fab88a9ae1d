import Testing
import ZCachedCore

@Suite struct ZCachedErrorTests {
    @Test(arguments: [
        ("ERR unexpected", "ERR", "unexpected"),
        ("TYPERR invalid type", "TYPERR", "invalid type"),
        ("INVAL invalid length", "INVAL", "invalid length"),
        ("BUSYKEY key already exists", "BUSYKEY", "key already exists"),
        ("NOSAVE error while saving data", "NOSAVE", "error while saving data"),
        ("ERR unprocessable", "ERR", "unprocessable"),
    ])
    func serverRepliesKeepTheirKindAndMessage(text: String, kind: String, message: String) {
        let error = ZCachedError.serverReply(text)
        #expect(error.code == .server)
        #expect(error.serverCode == kind)
        #expect(error.message == message)
    }

    @Test func notFoundRepliesBecomeKeyNotFoundWithoutTheKeyInTheDescription() {
        let quoted = ZCachedError.serverReply("ERR 'secret' not found")
        #expect(quoted.code == .keyNotFound)
        #expect(!quoted.description.contains("secret"))
        #expect(quoted.debugDescription.contains("secret"))
        #expect(ZCachedError.serverReply("ERR not found").code == .keyNotFound)
    }

    @Test func unknownCommandDoesNotEchoTheNameInTheDescription() {
        let error = ZCachedError.serverReply("ERR unknown command 'SECRET'")
        #expect(error.code == .server)
        #expect(!error.description.contains("SECRET"))
    }

    @Test func errorRepliesAreThrownByCommands() {
        #expect(throws: ZCachedError.self) { try ZCachedServerCommands.Save().response(from: .error("NOSAVE error while saving data")) }
        #expect(throws: ZCachedError.self) { try ZCachedServerCommands.Ping().response(from: .integer(1)) }
    }

    @Test func missingKeysAreNilOrFalseForReadsAndErrorsForMoves() throws {
        let notFound = ZCachedValue.error("ERR 'a' not found")
        #expect(try ZCachedKeyCommands.Get("a").response(from: notFound) == nil)
        #expect(try ZCachedKeyCommands.SizeOf("a").response(from: notFound) == nil)
        #expect(try ZCachedKeyCommands.Delete("a").response(from: notFound) == false)
        #expect(try ZCachedKeyCommands.Delete("a").response(from: .simpleString("OK")) == true)
        let error = try #require(throws: ZCachedError.self) { try ZCachedKeyCommands.Rename("a", to: "b").response(from: notFound) }
        #expect(error.code == .keyNotFound)
    }

    @Test func mgetLeavesOutMissingKeysAndCopyAcceptsBulkOK() throws {
        let reply: ZCachedValue = .map(ZCachedMap([("a", "1"), ("nope", nil)]))
        #expect(try ZCachedKeyCommands.MGet(["a", "nope"]).response(from: reply) == ["a": "1"])
        try ZCachedKeyCommands.Copy("a", to: "b").response(from: "OK")
    }
}
