import Foundation
import Testing

/// One request/response pair captured from the real server (Fixtures/vectors.json).
struct ConformanceVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let group: String
    let requestHex: String
    let responseHex: String?
    let note: String

    enum CodingKeys: String, CodingKey {
        case name, group, note
        case requestHex = "request_hex"
        case responseHex = "response_hex"
    }

    var request: [UInt8] { Self.bytes(fromHex: requestHex) }
    /// The reply bytes, or `nil` when the server sent none (a crash, a close or a wait).
    var response: [UInt8]? { responseHex.flatMap { $0.isEmpty ? nil : Self.bytes(fromHex: $0) } }
    var testDescription: String { "\(group)/\(name)" }

    /// The reply's content varies between runs (timestamps).
    var responseVaries: Bool { note.contains("[response varies") }
    /// The reply lists elements in the server's hash order, so only the parsed contents compare.
    var isHashOrdered: Bool {
        note.localizedCaseInsensitiveContains("hash order") || note.localizedCaseInsensitiveContains("order not guaranteed")
            || note.localizedCaseInsensitiveContains("order NOT request order")
    }
    /// Groups that describe crashes and dedicated server configurations: covered by validation
    /// and fault tests, never replayed.
    var isReplayable: Bool { group != "bugs" && group != "connection" }

    static let all: [ConformanceVector] = {
        guard let url = Bundle.module.url(forResource: "vectors", withExtension: "json", subdirectory: "Fixtures"),
            let data = try? Data(contentsOf: url),
            let vectors = try? JSONDecoder().decode([ConformanceVector].self, from: data)
        else { return [] }
        return vectors
    }()

    /// The vectors of each group, in capture order (each group starts with FLUSH).
    static var groups: [(name: String, vectors: [ConformanceVector])] {
        var order: [String] = []
        var byGroup: [String: [ConformanceVector]] = [:]
        for vector in all {
            if byGroup[vector.group] == nil { order.append(vector.group) }
            byGroup[vector.group, default: []].append(vector)
        }
        return order.map { ($0, byGroup[$0]!) }
    }

    static func bytes(fromHex hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for character in hex.utf8 {
            let nibble: UInt8 =
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
                default: character - UInt8(ascii: "A") + 10
                }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}
