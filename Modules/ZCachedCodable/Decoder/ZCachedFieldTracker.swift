/// Which fields a field-per-key load has fetched, and which ones the type asked for that it has
/// not fetched yet (see ``ZCachedFieldLoader``).
final class ZCachedFieldTracker {
    private let fetched: Set<String>
    /// The fields asked for but not fetched, in the order they were first asked for.
    private(set) var unfetched: [String] = []

    init(fetched: Set<String>) {
        self.fetched = fetched
    }

    /// Whether `field` has been fetched; when not, remembers it for the next round.
    func isFetched(_ field: String) -> Bool {
        if fetched.contains(field) { return true }
        if !unfetched.contains(field) { unfetched.append(field) }
        return false
    }
}
