import ArgumentParser

/// One kind of request a benchmark run repeats.
enum BenchmarkTest: String, CaseIterable, ExpressibleByArgument, Sendable {
    case ping
    case set
    case get
    case mget
    case mset
    /// A `Codable` struct through ZCachedCodable: half `SET`, half `GET`.
    case codable

    /// The name shown in reports.
    var title: String { self == .codable ? "CODABLE (SET/GET)" : rawValue.uppercased() }

    /// Parses `ping,set,get`.
    static func list(_ argument: String) throws -> [BenchmarkTest] {
        try argument.split(separator: ",").map { name in
            guard let test = BenchmarkTest(rawValue: name.trimmingWhitespace.lowercased()) else {
                throw ValidationError("unknown test '\(name)'; known: \(allCases.map(\.rawValue).joined(separator: ","))")
            }
            return test
        }
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
