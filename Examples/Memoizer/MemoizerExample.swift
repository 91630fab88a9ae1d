import ZCachedCodable
import ZCachedTesting

/// Memoizes a slow (simulated) web request in zcached with typed `Codable` keys.
///
/// ```sh
/// swift run ZCachedExampleMemoizer                              # against an embedded server
/// swift run ZCachedExampleMemoizer --host 127.0.0.1 --port 7556 # against a real zcached
/// ```
@main
struct MemoizerExample {
    static func main() async throws {
        let server = option("--host") == nil && option("--port") == nil ? try await ZCachedTestServer.start() : nil
        let host = option("--host") ?? server?.host ?? "127.0.0.1"
        let port = option("--port").flatMap(Int.init) ?? server?.port ?? 7556
        print(server == nil ? "Using zcached at \(host):\(port)" : "Started an embedded zcached on \(host):\(port)")

        let client = ZCachedClient(configuration: ZCachedConfiguration(host: host, port: port, poolSize: 2))
        do {
            try await client.connect()
            try await run(with: client)
        } catch {
            print("Failed: \(error)")
        }
        await client.close()
        await server?.shutdown()
    }

    /// The value after `name` on the command line, if any.
    static func option(_ name: String) -> String? {
        let arguments = CommandLine.arguments
        guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }

    /// Memoizes three cities twice, then reads them back in one MGET.
    static func run(with client: ZCachedClient) async throws {
        let memoizer = Memoizer(client: client)
        let weather = WeatherService()
        let cities = ["Lisbon", "Oslo", "Kraków"]
        // Start clean, so the first round shows misses even against a long-running server.
        for city in cities { try await memoizer.forget(.forecast(city)) }

        for round in 1...2 {
            print("Round \(round):")
            for city in cities {
                let started = ContinuousClock.now
                let (forecast, cached) = try await memoizer.value(for: .forecast(city)) {
                    try await weather.fetch(city: city)
                }
                let elapsed = ContinuousClock.now - started
                let source = cached ? "cache hit " : "fetched   "
                print("  \(source) \(city): \(forecast.temperatureCelsius) °C \(forecast.conditions.sorted()) in \(elapsed.formatted())")
            }
        }

        // One MGET for all of them; the summary's line break survived the round trip.
        let cachedForecasts = try await memoizer.cachedValues(for: cities.map { .forecast($0) })
        print("One MGET returned \(cachedForecasts.count) cached forecasts")
        if let lisbon = cachedForecasts[.forecast("Lisbon")] {
            print("  Lisbon summary, line breaks intact: \(lisbon.summary.debugDescription)")

            // With the default string strategy the same value is refused before a byte is sent:
            // zcached would have cut the summary at its line break.
            let plain = await Result { () async throws(ZCachedError) in
                try await client.set(.forecast("Lisbon"), lisbon)
            }
            if let error = plain.error {
                print("  Storing it with the default strategy is refused: \(error.code) (\(error.message))")
            }
        }
    }
}

extension Duration {
    /// Milliseconds with one decimal, for printing.
    fileprivate func formatted() -> String {
        let milliseconds = Double(components.seconds) * 1_000 + Double(components.attoseconds) / 1e15
        return "\((milliseconds * 10).rounded() / 10) ms"
    }
}
