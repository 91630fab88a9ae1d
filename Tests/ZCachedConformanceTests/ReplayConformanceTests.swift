import Testing
import ZCachedCore
import ZCachedTesting

/// Replays the captured request/response pairs (Fixtures/vectors.json) against the embedded
/// server, or against the server named by `ZCACHED_TEST_SERVER=host:port` when it is set.
@Suite struct ReplayConformanceTests {
    /// How long to wait to be sure a frame without `0x03` gets no reply.
    static let silenceTimeout: Duration = .milliseconds(300)

    /// All groups go over one connection (each group starts with `FLUSH`): zcached loses every
    /// later reply of a connection when connections around it on its worker close
    /// (PROTOCOL.md §4.2), so a connection per group would test the server's connection table,
    /// not its replies. For the same reason the replay stops at the first reply that never comes.
    @Test func everyReplayableVectorMatches() async throws {
        let vectors = ConformanceVector.groups.filter { $0.vectors.allSatisfy(\.isReplayable) }.flatMap(\.vectors)
        #expect(!vectors.isEmpty, "vectors.json did not load")
        var matched = 0
        try await ZCachedTestEndpoint.with(
            opening: { try RawTestConnection(host: $0.host, port: $0.port) },
            closing: { _ in }
        ) { connection, _ in
            for (index, vector) in vectors.enumerated() {
                let outcome = try replay(vector, on: connection)
                if outcome == .matched { matched += 1 }
                if outcome == .lost {
                    Issue.record("\(vector.testDescription): no reply came, so the \(vectors.count - index - 1) vectors after it were not replayed")
                    break
                }
            }
        }
        print("replayed \(matched) of \(vectors.count) vectors")
        #expect(matched == vectors.count)
    }

    /// How one vector's replay went.
    private enum Outcome {
        case matched
        case differed
        /// The reply never came: zcached answers nothing more on that connection (§4.2).
        case lost
    }

    /// Sends the vector's request and checks its reply.
    private func replay(_ vector: ConformanceVector, on connection: RawTestConnection) throws -> Outcome {
        let expected = vector.response ?? []
        if vector.name.contains("one byte per write") {
            for byte in vector.request { try connection.send([byte]) }
        } else {
            try connection.send(vector.request)
        }
        let replyCount = expected.count { $0 == 0x03 }
        guard replyCount > 0 else {
            let silent = try connection.read(timeout: Self.silenceTimeout) == .timedOut
            #expect(silent, "\(vector.testDescription): expected no reply")
            return silent ? .matched : .differed
        }
        let received = try connection.receiveReplies(replyCount)
        guard received.count(where: { $0 == 0x03 }) == replyCount else { return .lost }
        let matches = try Self.reply(received, matches: expected, for: vector)
        #expect(
            matches,
            "\(vector.testDescription): got \(Self.printable(received)), expected \(Self.printable(expected))"
        )
        return matches ? .matched : .differed
    }

    private static func reply(_ received: [UInt8], matches expected: [UInt8], for vector: ConformanceVector) throws
        -> Bool
    {
        let hashOrdered = vector.isHashOrdered || vector.hasHashOrderedReply
        guard vector.responseVaries || hashOrdered else { return received == expected }
        let receivedValues = try decodeAll(received)
        let expectedValues = try decodeAll(expected)
        guard receivedValues.count == expectedValues.count else { return false }
        return zip(receivedValues, expectedValues).allSatisfy { received, expected in
            vector.responseVaries ? received.typeName == expected.typeName : sameIgnoringOrder(received, expected)
        }
    }

    private static func decodeAll(_ bytes: [UInt8]) throws -> [ZCachedValue] {
        var decoder = ZCachedReplyDecoder()
        decoder.append(contentsOf: bytes)
        var values: [ZCachedValue] = []
        while let value = try decoder.next() { values.append(value) }
        return values
    }

    /// Equality where maps, arrays and sets may list their elements in any order.
    private static func sameIgnoringOrder(_ lhs: ZCachedValue, _ rhs: ZCachedValue) -> Bool {
        switch (lhs, rhs) {
        case (.map(let left), .map(let right)):
            left.count == right.count && left.hasSameEntries(as: right)
        case (.array(let left), .array(let right)), (.orderedSet(let left), .orderedSet(let right)),
            (.unorderedSet(let left), .unorderedSet(let right)):
            multiset(left) == multiset(right)
        default:
            lhs == rhs
        }
    }

    private static func multiset(_ values: [ZCachedValue]) -> [ZCachedValue: Int] {
        values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    private static func printable(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).debugDescription
    }
}

extension ConformanceVector {
    /// Whether the reply is in hash order even when the note does not say so: KEYS and MGET
    /// always, and any reply holding a map or an unordered set (the real server keeps both in
    /// hash tables; the embedded server uses an order of its own, `HashOrder`).
    fileprivate var hasHashOrderedReply: Bool {
        let reply = String(decoding: response ?? [], as: UTF8.self)
        if ["~", "%"].contains(where: { reply.hasPrefix($0) || reply.contains("\n" + $0) }) { return true }
        let request = String(decoding: request, as: UTF8.self).uppercased()
        guard request.hasPrefix("*"), let header = request.firstIndex(of: "\r\n") else { return false }
        let command = request[request.index(after: header)...]
        return command.hasPrefix("$4\r\nKEYS\r\n") || command.hasPrefix("$4\r\nMGET\r\n")
    }
}
