#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ZCachedCore

extension Data: ZCachedCodablePrimitive {
    /// Reads base64 text, or an empty array as empty data.
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        if case .array(let elements) = value, elements.isEmpty {
            self.init()
            return
        }
        guard let text = value.string else { throw ZCachedCodingErrors.typeMismatch(Data.self, value, codingPath) }
        guard let data = Data(base64Encoded: text) else {
            throw ZCachedCodingErrors.dataCorrupted(codingPath, "the string is not valid base64")
        }
        self = data
    }

    /// Base64 text; empty data, whose base64 is the empty string the server cannot store, is an
    /// empty array.
    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) -> ZCachedValue {
        isEmpty ? .array([]) : .bulkString(base64EncodedString())
    }

    static var zcachedPlaceholder: Data { Data() }
}

extension Date: ZCachedCodablePrimitive {
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        switch options.dateStrategy {
        case .secondsSince1970:
            self.init(timeIntervalSince1970: try Double(zcachedValue: value, options: options, codingPath: codingPath))
        case .millisecondsSince1970:
            self.init(timeIntervalSince1970: try Double(zcachedValue: value, options: options, codingPath: codingPath) / 1000)
        case .iso8601:
            let text = try String(zcachedValue: value, options: options, codingPath: codingPath)
            guard let date = (try? Self.iso8601WithFractions.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)) else {
                throw ZCachedCodingErrors.dataCorrupted(codingPath, "the string is not an ISO 8601 date")
            }
            self = date
        }
    }

    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(EncodingError) -> ZCachedValue {
        switch options.dateStrategy {
        case .secondsSince1970: .double(timeIntervalSince1970)
        case .millisecondsSince1970: .double(timeIntervalSince1970 * 1000)
        case .iso8601: try Self.iso8601WithFractions.format(self).zcachedValue(options: options, codingPath: codingPath)
        }
    }

    static var zcachedPlaceholder: Date { Date(timeIntervalSince1970: 0) }

    private static var iso8601WithFractions: Date.ISO8601FormatStyle { Date.ISO8601FormatStyle(includingFractionalSeconds: true) }
}

extension URL: ZCachedCodablePrimitive {
    /// Reads the absolute string.
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        let text = try String(zcachedValue: value, options: options, codingPath: codingPath)
        guard let url = URL(string: text) else { throw ZCachedCodingErrors.dataCorrupted(codingPath, "the string is not a URL") }
        self = url
    }

    /// The absolute string, under the string strategy.
    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(EncodingError) -> ZCachedValue {
        try absoluteString.zcachedValue(options: options, codingPath: codingPath)
    }

    static var zcachedPlaceholder: URL { URL(string: "about:blank")! }
}
