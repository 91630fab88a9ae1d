/// Commands that act on the server or the whole key space.
public enum ZCachedServerCommands {}

extension ZCachedServerCommands {
    /// `PING`: checks that the server answers. Succeeds on `+PONG`.
    public struct Ping: ZCachedCommand {
        /// Makes the command.
        public init() {}
        public var name: String { "PING" }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("PING", argumentCount: 0)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) {
            switch try reply.throwingServerError() {
            case .simpleString("PONG"): return
            case let other: throw .unexpectedReply(other, expected: "PONG")
            }
        }
    }

    /// `ECHO message`: the server sends the message back.
    public struct Echo: ZCachedCommand {
        /// The text to echo; it must be a valid string (see ``ZCachedValidation``).
        public var message: String
        /// Makes the command.
        public init(_ message: String) { self.message = message }
        public var name: String { "ECHO" }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("ECHO", argumentCount: 1)
            try encoder.writeText(message, argument: "message")
        }
        /// The echoed text, which must be the message: any other text is another request's
        /// reply slipped onto this one, so it is ``ZCachedError/Code/unexpectedReply`` (and the
        /// connection drops the link it came from).
        public func response(from reply: ZCachedValue) throws(ZCachedError) -> String {
            let value = try reply.throwingServerError()
            guard let text = value.string else { throw .unexpectedReply(value, expected: "string") }
            guard text.utf8.elementsEqual(message.utf8) else { throw .unexpectedReply(value, expected: "the message echoed") }
            return text
        }
    }

    /// `FLUSH`: removes every key.
    public struct Flush: ZCachedCommand {
        /// Makes the command.
        public init() {}
        public var name: String { "FLUSH" }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("FLUSH", argumentCount: 0)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) { try reply.expectOK() }
    }

    /// `DBSIZE`: the number of keys.
    public struct DBSize: ZCachedCommand {
        /// Makes the command.
        public init() {}
        public var name: String { "DBSIZE" }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("DBSIZE", argumentCount: 0)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) -> Int {
            Int(try reply.expectInteger())
        }
    }

    /// `SAVE`: writes a snapshot synchronously.
    ///
    /// - Note: The server refuses to save an empty database with `NOSAVE` (PROTOCOL.md §4.6).
    public struct Save: ZCachedCommand {
        /// Makes the command.
        public init() {}
        public var name: String { "SAVE" }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("SAVE", argumentCount: 0)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) { try reply.expectOK() }
    }

    /// `LASTSAVE`: Unix seconds of the last SAVE (or of the server's start).
    public struct LastSave: ZCachedCommand {
        /// Makes the command.
        public init() {}
        public var name: String { "LASTSAVE" }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("LASTSAVE", argumentCount: 0)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) -> Int64 {
            try reply.expectInteger()
        }
    }

    /// `KEYS`: every key, in the server's hash order.
    public struct Keys: ZCachedCommand {
        /// Makes the command.
        public init() {}
        public var name: String { "KEYS" }
        public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
            try encoder.writeCommand("KEYS", argumentCount: 0)
        }
        public func response(from reply: ZCachedValue) throws(ZCachedError) -> [String] {
            let value = try reply.throwingServerError()
            guard case .array(let elements) = value else { throw .unexpectedReply(value, expected: "array") }
            var keys: [String] = []
            keys.reserveCapacity(elements.count)
            for element in elements {
                guard let key = element.string else { throw .unexpectedReply(element, expected: "key string") }
                keys.append(key)
            }
            return keys
        }
    }
}
