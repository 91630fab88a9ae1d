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
        case .secondsSince1970:
            return .double(timeIntervalSince1970)
        case .millisecondsSince1970:
            return .double(timeIntervalSince1970 * 1000)
        case .iso8601:
            guard Self.iso8601Range.contains(timeIntervalSince1970) else {
                // The error holds seconds, not the date: describing an infinite `Date` traps.
                throw ZCachedCodingErrors.invalidValue(
                    timeIntervalSince1970,
                    codingPath,
                    "the date (\(timeIntervalSince1970) s since 1970) is outside the years 0 to 9999 that ISO 8601 strings are read back in"
                )
            }
            return try Self.iso8601WithFractions.format(self).zcachedValue(options: options, codingPath: codingPath)
        }
    }

    /// Seconds since 1970 from 0000-01-01T00:00:00Z (``Date/distantPast`` is in year 0) to the
    /// end of 9999; `contains` is false for NaN.
    private static let iso8601Range: Range<Double> = -62_167_219_200 ..< 253_402_300_800

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

extension UUID: ZCachedCodablePrimitive {
    /// Reads the `uuidString` form.
    init(zcachedValue value: ZCachedValue, options: ZCachedCodingOptions, codingPath: [any CodingKey]) throws(DecodingError) {
        let text = try String(zcachedValue: value, options: options, codingPath: codingPath)
        guard let uuid = UUID(uuidString: text) else { throw ZCachedCodingErrors.dataCorrupted(codingPath, "the string is not a UUID") }
        self = uuid
    }

    /// The `uuidString`, as `UUID`'s own `Codable` form. A primitive so that the field probe of
    /// `load` can hand out a valid one: the empty string it gives a `String` is not a UUID.
    func zcachedValue(options: ZCachedCodingOptions, codingPath: [any CodingKey]) -> ZCachedValue {
        .bulkString(uuidString)
    }

    static var zcachedPlaceholder: UUID { UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)) }
}
