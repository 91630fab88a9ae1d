import ZCachedCore

/// The settings an encoder or decoder passes down to every nested container.
struct ZCachedCodingOptions: Sendable {
    var stringStrategy: ZCachedStringStrategy
    var dateStrategy: ZCachedDateStrategy
    var userInfo: [CodingUserInfoKey: any Sendable]

    /// The string to store for `text` under the string strategy.
    /// - Throws: `EncodingError.invalidValue` naming `codingPath` when the strategy is
    ///   ``ZCachedStringStrategy/refuse`` and the server cannot store `text`.
    func storedString(_ text: String, codingPath: [any CodingKey]) throws(EncodingError) -> String {
        switch stringStrategy {
        case .escaped:
            return ZCachedStringEscaping.escape(text)
        case .refuse:
            if let problem = ZCachedValidation.problem(inString: text.utf8) {
                throw ZCachedCodingErrors.invalidValue(
                    text,
                    codingPath,
                    "the string \(problem) (ZCachedStringStrategy.escaped stores such strings)"
                )
            }
            return text
        }
    }

    /// The original string for a stored one under the string strategy.
    /// - Throws: `DecodingError.dataCorrupted` for a malformed escaped string.
    func originalString(_ stored: String, codingPath: [any CodingKey]) throws(DecodingError) -> String {
        switch stringStrategy {
        case .refuse:
            return stored
        case .escaped:
            guard let original = ZCachedStringEscaping.unescape(stored) else {
                throw ZCachedCodingErrors.dataCorrupted(codingPath, "the escaped string has a malformed %-escape")
            }
            return original
        }
    }
}
