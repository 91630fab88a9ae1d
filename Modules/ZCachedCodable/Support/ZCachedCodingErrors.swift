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
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }

    static func invalidValue(_ value: Any, _ codingPath: [any CodingKey], _ reason: String) -> EncodingError {
        .invalidValue(value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(describe(codingPath)): \(reason)"))
    }

    static func dataCorrupted(_ codingPath: [any CodingKey], _ reason: String) -> DecodingError {
        .dataCorrupted(DecodingError.Context(codingPath: codingPath, debugDescription: "\(describe(codingPath)): \(reason)"))
    }

    static func typeMismatch(_ type: Any.Type, _ value: ZCachedValue, _ codingPath: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, DecodingError.Context(
            codingPath: codingPath,
            debugDescription: "\(describe(codingPath)): expected \(type), found \(value.typeName)"
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
