/// What the simulated web service answers: a small JSON-like document, as a `Codable` struct.
///
/// `summary` holds line breaks, as text from the web often does. zcached would silently cut a
/// string at its first `\n`, so the memoizer stores it with ``ZCachedStringStrategy/escaped``.
struct Forecast: Codable, Sendable, Equatable {
    var city: String
    var temperatureCelsius: Double
    var conditions: Set<String>
    var summary: String
}

/// A stand-in for a slow HTTP API: every call waits, then answers. No network is used.
struct WeatherService: Sendable {
    /// How long one simulated request takes.
    var latency: Duration = .milliseconds(300)

    /// "Downloads" the forecast for `city`.
    /// - Parameter city: The city to ask about.
    /// - Returns: The forecast.
    /// - Throws: `CancellationError` when the calling task is cancelled while waiting.
    func fetch(city: String) async throws -> Forecast {
        try await Task.sleep(for: latency)
        let temperature = Double(city.unicodeScalars.reduce(0) { $0 + Int($1.value) } % 30) - 5
        return Forecast(
            city: city,
            temperatureCelsius: temperature,
            conditions: temperature < 5 ? ["cold", "windy"] : ["mild"],
            summary: "\(city): \(temperature) °C.\nUpdated just now."
        )
    }
}
