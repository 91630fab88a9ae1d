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

    @Test func onlyCopyTakesABulkOK() throws {
        // Any other command answers +OK (§6.11): a bulk "OK" for SET is most likely a GET or an
        // ECHO of "OK" slipped onto it, and must read as a reply of the wrong shape.
        let bulkOK: ZCachedValue = "OK"
        let refusals: [any Error] = [
            try #require(throws: ZCachedError.self) { try ZCachedKeyCommands.Set("a", 1).response(from: bulkOK) },
            try #require(throws: ZCachedError.self) { try ZCachedKeyCommands.MSet([("a", 1)]).response(from: bulkOK) },
            try #require(throws: ZCachedError.self) { try ZCachedKeyCommands.Rename("a", to: "b").response(from: bulkOK) },
            try #require(throws: ZCachedError.self) { try ZCachedKeyCommands.Delete("a").response(from: bulkOK) },
            try #require(throws: ZCachedError.self) { try ZCachedServerCommands.Flush().response(from: bulkOK) },
            try #require(throws: ZCachedError.self) { try ZCachedServerCommands.Save().response(from: bulkOK) },
        ]
        #expect(refusals.allSatisfy { ($0 as? ZCachedError)?.code == .unexpectedReply })
        try ZCachedKeyCommands.Copy("a", to: "b").response(from: .simpleString("OK"))
    }

    /// Another MGET's reply slipped onto this one fits "a map"; it must also answer exactly
    /// the keys asked for (each distinct key once, a missing one with null).
    @Test func anMGETAnsweredWithOtherKeysIsAReplyOfTheWrongShape() throws {
        let mget = ZCachedKeyCommands.MGet(["a", "b", "a"])
        let answered = ZCachedValue.map(["a": 1, "b": .null])
        #expect(try mget.response(from: answered) == ["a": 1])
        let withAForeignKey = ZCachedValue.map(["a": 1, "b": 2, "c": 3, "d": 4])
        let missingOne = ZCachedValue.map(["a": 1, "c": 3])
        // Three keys asked, two distinct: a third entry is foreign even though it fits the count.
        let aForeignKeyInTheDuplicatesRoom = ZCachedValue.map(["a": 1, "b": .null, "c": 3])
        let oneKeyTwice = ZCachedValue.map(ZCachedMap([("a", 1), ("a", .null)]))
        for slipped in [withAForeignKey, missingOne, aForeignKeyInTheDuplicatesRoom, oneKeyTwice] {
            let error = try #require(throws: ZCachedError.self) { try mget.response(from: slipped) }
            #expect(error.code == .unexpectedReply)
        }
        // No key asked twice: the map must hold the same keys, in any order.
        let distinct = ZCachedKeyCommands.MGet(["a", "b", "c"])
        #expect(try distinct.response(from: .map(["c": 3, "a": 1, "b": .null])) == ["a": 1, "c": 3])
        let oneSwappedForAnother = try #require(throws: ZCachedError.self) {
            try distinct.response(from: .map(["c": 3, "a": 1, "d": .null]))
        }
        #expect(oneSwappedForAnother.code == .unexpectedReply)
    }

    @Test func anEchoAnsweredWithOtherTextIsAReplyOfTheWrongShape() throws {
        #expect(try ZCachedServerCommands.Echo("caf\u{E9}").response(from: "caf\u{E9}") == "caf\u{E9}")
        let slipped = try #require(throws: ZCachedError.self) { try ZCachedServerCommands.Echo("mine").response(from: "another's") }
        #expect(slipped.code == .unexpectedReply)
        // Byte for byte: the same text in another Unicode form is not the message.
        let otherForm = try #require(throws: ZCachedError.self) { try ZCachedServerCommands.Echo("caf\u{E9}").response(from: "cafe\u{301}") }
        #expect(otherForm.code == .unexpectedReply)
    }
}
