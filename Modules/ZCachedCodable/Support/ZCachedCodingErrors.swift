import ZCachedCore

/// Makes the `EncodingError`s and `DecodingError`s of this module, whose messages name the field
/// as a readable path such as `friends[2].name`, and wraps them into `ZCachedError`.
enum ZCachedCodingErrors {
    /// A coding path as text: keys joined by dots, array indices in brackets.
    static func describe(_ codingPath: [any CodingKey]) -> String {
        guard !codingPath.isEmpty else { return "the top-level value" }
        var text = ""
        for key in codingPath {
            if let index = key as? ZCachedCodingKey, index.isIndex, let position = index.intValue {
                text += "[\(position)]"
            } else {
                text += text.isEmpty ? printable(key.stringValue) : ".\(printable(key.stringValue))"
            }
        }
        return text
    }

    /// The longest key name a message shows whole.
    private static let longestPrintedKey = 64

    /// A key as a message shows it: control characters escaped (`\n`, `\u{3}`) and cut after
    /// ``longestPrintedKey`` characters. A dictionary's keys are data, and the message is
    /// logged: a raw line feed in one could forge a log line.
    private static func printable(_ name: String) -> String {
        let scalars = name.unicodeScalars
        var text = ""
        for scalar in scalars.prefix(longestPrintedKey) {
            let isControl = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            if isControl { text += scalar.escaped(asASCII: true) } else { text.unicodeScalars.append(scalar) }
        }
        return scalars.count > longestPrintedKey ? text + "…" : text
    }

    static func invalidValue(_ value: Any, _ codingPath: [any CodingKey], _ reason: String) -> EncodingError {
        .invalidValue(value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(describe(codingPath)): \(reason)"))
    }

    static func dataCorrupted(_ codingPath: [any CodingKey], _ reason: String) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "\(describe(codingPath)): \(reason)"))
    }

    /// - Parameter expected: What the message says was expected; `type`'s name unless given.
    static func typeMismatch(_ type: Any.Type, _ value: ZCachedValue, _ codingPath: [any CodingKey], expected: String? = nil) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(
            codingPath: codingPath,
            debugDescription: "\(describe(codingPath)): expected \(expected ?? "\(type)"), found \(value.typeName)"
        ))
    }

    /// Wraps an encoding failure as `ZCachedError/Code/invalidArgument`, keeping the field's path.
    static func encodingFailure(_ error: any Error, key: String) -> ZCachedError {
        let reason = switch error {
        case EncodingError.invalidValue(_, let context): context.debugDescription
        default: "encoding failed (see detail)"
        }
        return ZCachedError(code: .invalidArgument, message: "cannot encode the value: \(reason)", argument: "value", key: key, detail: "\(error)")
    }

    /// Wraps a decoding failure as `ZCachedError/Code/unexpectedReply`, keeping the field's path.
    static func decodingFailure(_ error: any Error, key: String) -> ZCachedError {
        let reason = switch error {
        case DecodingError.keyNotFound(let missing, let context):
            "\(describe(context.codingPath + [missing])) is missing"
        case DecodingError.valueNotFound(_, let context), DecodingError.typeMismatch(_, let context),
            DecodingError.dataCorrupted(let context):
            context.debugDescription
        default: "decoding failed (see detail)"
        }
        return ZCachedError(code: .unexpectedReply, message: "cannot decode the value: \(reason)", key: key, detail: "\(error)")
    }
}
