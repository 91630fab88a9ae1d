extension ZCachedError {
    /// An argument refused before sending.
    /// - Parameters:
    ///   - message: What is wrong with it.
    ///   - argument: Which argument it is.
    ///   - key: The key involved, if any.
    package static func invalidArgument(_ message: String, argument: String?, key: String? = nil) -> Self {
        Self(code: .invalidArgument, message: message, argument: argument, key: key)
    }

    /// Bytes from the server that are not a valid reply.
    package static func protocolViolation(_ message: String) -> Self {
        Self(code: .protocolViolation, message: message)
    }

    /// A valid reply of the wrong type.
    package static func unexpectedReply(_ reply: ZCachedValue, expected: String) -> Self {
        Self(code: .unexpectedReply, message: "expected \(expected), got \(reply.typeName)", detail: reply.debugDescription)
    }

    /// The error a server error reply stands for.
    ///
    /// The first word of `text` becomes ``serverCode`` when it is all capital letters
    /// (`ERR`, `TYPERR`, `INVAL`, `BUSYKEY`, `NOSAVE`). `ERR '<key>' not found` and
    /// `ERR not found` become ``Code/keyNotFound`` (PROTOCOL.md §3, "Suggested client mapping").
    /// - Parameter text: The reply text after the `-`.
    public static func serverReply(_ text: String) -> Self {
        var serverCode: String?
        var message = Substring(text)
        if let space = text.firstIndex(of: " "), text[..<space].allSatisfy({ $0.isASCII && $0.isUppercase }) {
            serverCode = String(text[..<space])
            message = text[text.index(after: space)...]
        } else if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            serverCode = text
            message = ""
        }
        if serverCode == "ERR", message.hasSuffix("not found"), message == "not found" || message.hasPrefix("'") {
            return Self(code: .keyNotFound, message: "the key does not exist", serverCode: serverCode, detail: text)
        }
        // The message of every other server error is fixed text without data (PROTOCOL.md §3),
        // except `unknown command '<name>'`, which echoes the command name: keep it out.
        let safeMessage = message.hasPrefix("unknown command") ? "unknown command" : String(message)
        return Self(code: .server, message: safeMessage, serverCode: serverCode, detail: text)
    }
}
