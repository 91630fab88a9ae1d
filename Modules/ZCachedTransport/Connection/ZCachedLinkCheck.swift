import ZCachedCore

/// The `PING` a new link must answer before it takes requests, when
/// ``ZCachedConnectionConfiguration/verifiesNewLinks`` is on; both transports send it.
enum ZCachedLinkCheck {
    /// The request, encoded once, by the same encoder and command that ``check(_:)`` reads the
    /// reply of.
    static let frame: [UInt8] = {
        var encoder = ZCachedRequestEncoder()
        // PING has no arguments: it always passes validation.
        try! encoder.encode(ZCachedServerCommands.Ping())
        return encoder.bytes
    }()

    /// Why a link that stayed silent failed the check.
    static let silence = "no reply before the connect timeout; zcached leaves some connections unanswered (PROTOCOL.md §4.2)"

    /// Why a link whose `+PONG` came with more bytes failed the check.
    static let unasked = "bytes that no request asked for followed its +PONG"

    /// The message of a link that failed the check for `reason`.
    static func failure(_ reason: String) -> String {
        "a new link failed the PING it must answer: \(reason)"
    }

    /// `error`, with its message naming the check it failed.
    static func failure(_ error: ZCachedError) -> ZCachedError {
        ZCachedError(code: error.code, message: failure(error.message))
    }

    /// Checks the reply to ``frame``.
    /// - Throws: ``ZCachedError/Code/unexpectedReply`` when it is not `+PONG`, or the server's error.
    static func check(_ reply: ZCachedValue) throws(ZCachedError) {
        try ZCachedServerCommands.Ping().response(from: reply)
    }
}
