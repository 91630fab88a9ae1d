/// Commands that read or write keys.
public enum ZCachedKeyCommands {}

extension ZCachedKeyCommands {
    /// `GET key`: the stored value, or `nil` when the key does not exist.
    public struct Get: ZCachedCommand {
        /// The key to read.
        public var key: String
        /// Makes the command.
        public init(_ key: String) { self.key = key }
        public var name: String { "GET" }
        public var keyCount: Int { 1 }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("GET", argumentCount: 1)
            try encoder.writeKey(key)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) -> ZCachedValue? {
            try ZCachedError.nilIfKeyNotFound { () throws(ZCachedError) in try reply.throwingServerError() }
        }
    }

    /// `SET key value`: stores a value of any type, overwriting what was there.
    public struct Set: ZCachedCommand {
        /// The key to write.
        public var key: String
        /// The value to store; it must pass ``ZCachedValidation/checkStorable(_:argument:key:limits:)``.
        public var value: ZCachedValue
        /// Makes the command.
        public init(_ key: String, _ value: ZCachedValue) {
            self.key = key
            self.value = value
        }
        public var name: String { "SET" }
        public var keyCount: Int { 1 }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("SET", argumentCount: 2)
            try encoder.writeKey(key)
            try encoder.writeValue(value, key: key)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) { try reply.expectOK() }
    }

    /// `DELETE key`: removes one key. Answers `true` when it existed, `false` when it did not.
    public struct Delete: ZCachedCommand {
        /// The key to remove.
        public var key: String
        /// Makes the command.
        public init(_ key: String) { self.key = key }
        public var name: String { "DELETE" }
        public var keyCount: Int { 1 }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("DELETE", argumentCount: 1)
            try encoder.writeKey(key)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) -> Bool {
            try ZCachedError.nilIfKeyNotFound { () throws(ZCachedError) in try reply.expectOK() } != nil
        }
    }

    /// `SIZEOF key`: the size of the stored value (bytes of a string, 8 for numbers, elements of
    /// an aggregate), or `nil` when the key does not exist.
    public struct SizeOf: ZCachedCommand {
        /// The key to measure.
        public var key: String
        /// Makes the command.
        public init(_ key: String) { self.key = key }
        public var name: String { "SIZEOF" }
        public var keyCount: Int { 1 }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("SIZEOF", argumentCount: 1)
            try encoder.writeKey(key)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) -> Int? {
            try ZCachedError.nilIfKeyNotFound { () throws(ZCachedError) in Int(try reply.expectInteger()) }
        }
    }

    /// `MGET key...`: several values in one round trip.
    ///
    /// The response maps each requested key that holds a value to that value. The server answers
    /// a missing key and a key holding null alike (both `_`), so both are left out.
    ///
    /// The response is keyed by `String`, which compares by Unicode canonical equivalence: two
    /// keys that are different bytes on the server but equal Swift strings (`"caf\u{E9}"` and
    /// `"cafe\u{301}"`, `"K"` and the Kelvin sign) would share one entry, holding either key's
    /// value. So such a pair is refused before sending (``ZCachedError/Code/invalidArgument``);
    /// read those keys with separate `GET`s.
    public struct MGet: ZCachedCommand {
        /// The keys to read. Duplicates are allowed; the server collapses them.
        public var keys: [String]
        /// Makes the command.
        public init(_ keys: [String]) { self.keys = keys }
        public var name: String { "MGET" }
        public var keyCount: Int { keys.count }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("MGET", argumentCount: keys.count)
            for (index, key) in keys.enumerated() {
                try encoder.writeKey(key, argument: "keys[\(index)]")
            }
            try Self.requireOneEntryPerKey(keys)
        }

        /// Throws when two keys are equal as Swift strings but different bytes: the reply's map
        /// would give them one entry. ASCII keys, the common case, are equal only when their bytes
        /// are, so only a request with a non-ASCII key is checked.
        private static func requireOneEntryPerKey(_ keys: [String]) throws(ZCachedError) {
            guard keys.contains(where: { key in !key.utf8.allSatisfy { $0 < 0x80 } }) else { return }
            var firstIndex: [String: Int] = [:]
            for (index, key) in keys.enumerated() {
                guard let earlier = firstIndex[key] else {
                    firstIndex[key] = index
                    continue
                }
                guard keys[earlier].utf8.elementsEqual(key.utf8) else {
                    throw ZCachedError(
                        code: .invalidArgument,
                        message: "keys[\(earlier)] and keys[\(index)] are the same text in different Unicode forms: "
                            + "two keys on the server, one entry in the reply's map; read them with separate GETs",
                        argument: "keys[\(index)]"
                    )
                }
            }
        }
        /// The requested keys' values. The server answers each distinct requested key exactly
        /// once, a missing one with null (PROTOCOL.md §6, MGET), so a map with another key, a key
        /// twice, or a requested key left out is another request's reply: a reply of the wrong
        /// shape.
        public func response(from reply: ZCachedValue) throws(ZCachedError) -> [String: ZCachedValue] {
            let value = try reply.throwingServerError()
            guard case .map(let map) = value else { throw .unexpectedReply(value, expected: "map") }
            guard map.count == keys.count ? answersEachKey(map) : answersEachDistinctKeyOnce(map) else {
                throw .unexpectedReply(value, expected: "a map answering each distinct requested key once")
            }
            var values: [String: ZCachedValue] = [:]
            values.reserveCapacity(map.count)
            // By index: iterating the map would copy each entry, key and value, first.
            for index in map.entries.indices where !map.entries[index].value.isNull {
                values[map.entries[index].key] = map.entries[index].value
            }
            return values
        }

        /// Whether `map`, as long as `keys`, holds the same keys. With no key asked twice (the
        /// common case) a set of the entries' keys would do, but so does the order-independent
        /// sum of their hashes at a fraction of the cost: a different map passes only if the sums
        /// collide (about 2^-64 for keys not crafted to). A key asked twice leaves the server's
        /// map one entry short, so this also refuses a foreign entry in the repeat's room.
        private func answersEachKey(_ map: ZCachedMap) -> Bool {
            var requested = ZCachedKeySum()
            var answered = ZCachedKeySum()
            for (key, index) in zip(keys, map.entries.indices) {
                requested.add(key)
                answered.add(map.entries[index].key)
            }
            return requested == answered
        }

        /// Whether `map`, shorter than `keys`, answers each distinct key exactly once: some key
        /// was asked more than once (the server answers it once), or the map is another reply.
        private func answersEachDistinctKeyOnce(_ map: ZCachedMap) -> Bool {
            var unanswered = Swift.Set(keys)
            return map.count == unanswered.count && map.allSatisfy { unanswered.remove($0.key) != nil }
        }
    }

    /// `MSET key value [key value ...]`: stores several values in one round trip.
    ///
    /// - Note: The server applies pairs one by one and is not atomic (PROTOCOL.md §6.13). The
    ///   client checks every pair before sending, so a refused pair stops the whole request.
    public struct MSet: ZCachedCommand {
        /// The pairs in the order they are sent; at least one.
        public var pairs: [(key: String, value: ZCachedValue)]
        /// Makes the command.
        public init(_ pairs: [(key: String, value: ZCachedValue)]) { self.pairs = pairs }
        public var name: String { "MSET" }
        public var keyCount: Int { pairs.count }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            guard !pairs.isEmpty else {
                throw ZCachedError(code: .invalidArgument, message: "pairs is empty; MSET needs at least one pair", argument: "pairs")
            }
            try encoder.writeCommand("MSET", argumentCount: pairs.count * 2)
            for (index, pair) in pairs.enumerated() {
                try encoder.writeKey(pair.key, argument: "pairs[\(index)].key")
                try encoder.writeValue(pair.value, argument: "pairs[\(index)].value", key: pair.key)
            }
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) { try reply.expectOK() }
    }

    /// `RENAME old new`: moves a value to a new key, overwriting it.
    /// Throws ``ZCachedError/Code/keyNotFound`` when `old` does not exist.
    public struct Rename: ZCachedCommand {
        /// The key to move.
        public var key: String
        /// The new key.
        public var newKey: String
        /// Makes the command.
        public init(_ key: String, to newKey: String) {
            self.key = key
            self.newKey = newKey
        }
        public var name: String { "RENAME" }
        public var keyCount: Int { 2 }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("RENAME", argumentCount: 2)
            try encoder.writeKey(key)
            try encoder.writeKey(newKey, argument: "newKey")
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) { try reply.expectOK() }
    }

    /// `COPY source destination [REPLACE]`: deep-copies a value.
    ///
    /// Throws ``ZCachedError/Code/keyNotFound`` when `source` does not exist, and a server error
    /// with code `BUSYKEY` when `destination` exists and `replace` is false.
    /// - Note: `COPY a a REPLACE` is a use-after-free in the server (PROTOCOL.md §6.14), so a copy
    ///   of a key onto itself with `replace` is refused before sending.
    public struct Copy: ZCachedCommand {
        /// The key to copy.
        public var source: String
        /// The key to copy to.
        public var destination: String
        /// Whether to overwrite an existing destination.
        public var replace: Bool
        /// Makes the command.
        public init(_ source: String, to destination: String, replace: Bool = false) {
            self.source = source
            self.destination = destination
            self.replace = replace
        }
        public var name: String { "COPY" }
        public var keyCount: Int { 2 }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            // Keys are bytes to the server: compare bytes, not Swift's Unicode-equivalent strings.
            if replace, source.utf8.elementsEqual(destination.utf8) {
                throw ZCachedError.invalidArgument(
                    "destination equals source with REPLACE; the server frees the value before copying it (use-after-free)",
                    argument: "destination",
                    key: source
                )
            }
            try encoder.writeCommand("COPY", argumentCount: replace ? 3 : 2)
            try encoder.writeKey(source, argument: "source")
            try encoder.writeKey(destination, argument: "destination")
            if replace { try encoder.writeText("REPLACE", argument: "option") }
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) { try reply.expectOK(orBulk: true) }
    }
}
