import Foundation
import Testing
import ZCachedClient
import ZCachedCodable
import ZCachedCore
import ZCachedTesting

/// Prints encode + MSET and MGET + decode rates next to raw MSET and MGET of the same values.
/// A measurement, not a check: runs only when `ZCACHED_CODABLE_BENCH` is set.
@Suite struct CodableThroughputTests {
    struct TenFields: Codable, Equatable {
        var f0: Int, f1: Int, f2: Double, f3: Double, f4: Bool, f5: String, f6: String, f7: String, f8: [Int], f9: String?
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["ZCACHED_CODABLE_BENCH"] != nil))
    func fieldPerKeyAgainstRawCommands() async throws {
        let value = TenFields(f0: 1, f1: 2, f2: 3.5, f3: -1, f4: true, f5: "alpha", f6: "beta", f7: "gamma", f8: [1, 2, 3], f9: nil)
        let iterations = 2000
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("bench")
            let pairs = try ZCachedValueEncoder().encode(value).mapEntries(prefix: p)
            let keys = pairs.map(\.key)
            func rate(_ body: () async throws -> Void) async throws -> Int {
                let start = ContinuousClock.now
                for _ in 0..<iterations { try await body() }
                let seconds = (ContinuousClock.now - start) / .seconds(1)
                return Int(Double(iterations) / seconds)
            }
            let codableStore = try await rate { try await client.store(value, prefix: p) }
            let rawStore = try await rate { try await client.mset(pairs) }
            let codableLoad = try await rate { _ = try await client.load(TenFields.self, prefix: p) }
            let rawLoad = try await rate { _ = try await client.mget(keys) }
            print("encode+MSET \(codableStore)/s, raw MSET \(rawStore)/s, MGET+decode \(codableLoad)/s, raw MGET \(rawLoad)/s")
        }
    }
}

extension ZCachedValue {
    /// The entries of a map as MSET pairs under `prefix`.
    func mapEntries(prefix: String) -> [(key: String, value: ZCachedValue)] {
        guard case .map(let map) = self else { return [] }
        return map.map { (key: "\(prefix):\($0.key)", value: $0.value) }
    }
}
