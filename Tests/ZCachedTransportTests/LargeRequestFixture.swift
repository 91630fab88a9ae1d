import ZCachedCore
import ZCachedTesting

extension ZCachedKeyCommands.MGet {
    /// An MGET of keys no test stores, too large (about 4.1 KB) to share the 4096-byte window
    /// with a sentinel.
    static let largeRequest = Self((0..<8).map { "large-request-\($0)-" + String(repeating: "k", count: 500) })

    /// Replaces a reply with one of the right shape for MGET (`{"x": "wrong"}`), which no
    /// shape check can tell from a real answer, followed by one reply nobody asked for: the
    /// stream has slipped, and only a sentinel shows it.
    static let fabricatedReplyPlusOne = ZCachedFault.replaceReply(with: Array("%1\r\n$1\r\nx\r\n$5\r\nwrong\r\n\u{03}$5\r\nextra\r\n".utf8))
}
