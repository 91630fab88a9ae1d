/// The one error type of the whole SDK.
///
/// Every public call throws `ZCachedError` through typed throws. Match on ``code``; the set of
/// codes can grow without breaking an exhaustive `switch` because ``Code`` is a struct.
///
/// ``description`` never contains keys or values, so it is safe to log. (One exception: a
/// `ZCachedCodable` failure names the field by its coding path, and a dictionary's keys are part
/// of that path.) ``debugDescription`` adds the offending key and the server's full text, which
/// may contain cached data.
public struct ZCachedError: Error, Sendable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case connectionClosed
            case connectionReestablished
            case connectFailed
            case timeout
            case noAvailableConnections
            case invalidArgument
            case protocolViolation
            case server
            case keyNotFound
            case unexpectedReply
            case cancelled
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The connection was closed, by either side, before the reply arrived.
        public static var connectionClosed: Self { Self(.connectionClosed) }
        /// The connection broke while the request was in flight and has been reconnected.
        /// The request may or may not have run on the server; it was not retried.
        public static var connectionReestablished: Self { Self(.connectionReestablished) }
        /// A connection could not be opened (refused, unreachable, TLS handshake failed or
        /// the connect timeout passed).
        public static var connectFailed: Self { Self(.connectFailed) }
        /// The reply did not arrive within the time limit. The connection was closed because
        /// its reply stream can no longer be trusted.
        public static var timeout: Self { Self(.timeout) }
        /// The pool has no connected, usable connection.
        public static var noAvailableConnections: Self { Self(.noAvailableConnections) }
        /// An argument was refused before any byte was sent (see ``ZCachedValidation``).
        public static var invalidArgument: Self { Self(.invalidArgument) }
        /// The server sent bytes that are not a valid reply. The connection was closed.
        public static var protocolViolation: Self { Self(.protocolViolation) }
        /// The server answered with an error reply; see ``ZCachedError/serverCode``.
        public static var server: Self { Self(.server) }
        /// The server answered that the key does not exist.
        public static var keyNotFound: Self { Self(.keyNotFound) }
        /// The reply is valid but not of the type the command or the caller expected.
        public static var unexpectedReply: Self { Self(.unexpectedReply) }
        /// The calling task was cancelled before the reply arrived.
        public static var cancelled: Self { Self(.cancelled) }

        public var description: String {
            switch base {
            case .connectionClosed: "connection closed"
            case .connectionReestablished: "connection reestablished"
            case .connectFailed: "connect failed"
            case .timeout: "timeout"
            case .noAvailableConnections: "no available connections"
            case .invalidArgument: "invalid argument"
            case .protocolViolation: "protocol violation"
            case .server: "server error"
            case .keyNotFound: "key not found"
            case .unexpectedReply: "unexpected reply"
            case .cancelled: "cancelled"
            }
        }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A sentence saying what went wrong. It holds no key or value.
    public var message: String
    /// The server's error kind for ``Code/server`` and ``Code/keyNotFound`` errors: the first
    /// word of the reply, such as `ERR`, `TYPERR`, `INVAL`, `BUSYKEY` or `NOSAVE`.
    public var serverCode: String?
    /// Which argument was at fault, such as `key`, `value` or `keys[2]`.
    public var argument: String?
    /// The key involved, when there is one. Only ``debugDescription`` shows it.
    public var key: String?
    /// Text that may contain data (a server error's full text), shown only by ``debugDescription``.
    public var detail: String?

    /// Makes an error.
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: A sentence saying what went wrong, without keys or values.
    ///   - serverCode: The server's error kind, for server errors.
    ///   - argument: The argument at fault.
    ///   - key: The key involved.
    ///   - detail: Text that may contain data, kept out of ``description``.
    public init(
        code: Code,
        message: String,
        serverCode: String? = nil,
        argument: String? = nil,
        key: String? = nil,
        detail: String? = nil
    ) {
        self.code = code
        self.message = message
        self.serverCode = serverCode
        self.argument = argument
        self.key = key
        self.detail = detail
    }
}

extension ZCachedError: CustomStringConvertible, CustomDebugStringConvertible {
    /// The code, the argument at fault and the message; never a key or a value.
    public var description: String {
        var text = "ZCachedError(\(code)"
        if let serverCode { text += " \(serverCode)" }
        if let argument { text += ", argument \(argument)" }
        return text + "): \(message)"
    }

    /// ``description`` plus the key and the server's full text. May contain cached data.
    public var debugDescription: String {
        var text = description
        if let key { text += " [key: \(key.debugDescription)]" }
        if let detail { text += " [detail: \(detail.debugDescription)]" }
        return text
    }
}
