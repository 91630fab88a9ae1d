/// What one soak worker knows about its own keys: for each key, the values it may hold now.
///
/// A worker owns its keys and sends one request at a time, so after a success the model knows
/// the key's value exactly. After a failure it cannot know whether the server ran the request
/// (a lost reply runs it, a close does not), so the key may hold either state until the next
/// read tells. Every value stored is unique to its write, so a reply carrying another key's or
/// another request's value never matches a possible state: that is a wrong reply.
struct SoakModel {
    /// The states each key may be in; `nil` means absent. Keys never written are absent.
    private var possibleStates: [String: Set<String?>] = [:]

    /// The states `key` may be in.
    func states(of key: String) -> Set<String?> {
        possibleStates[key] ?? [nil]
    }

    /// Whether `key` may hold `value` (`nil`: may be absent).
    func mayHold(_ key: String, _ value: String?) -> Bool {
        states(of: key).contains(value)
    }

    /// Whether `key` may hold a value; a likely source for RENAME.
    func mayExist(_ key: String) -> Bool {
        states(of: key).contains { $0 != nil }
    }

    /// Records that `key` now holds `value` (`nil`: that it is absent).
    mutating func settle(_ key: String, _ value: String?) {
        possibleStates[key] = [value]
    }

    /// Records that `key` now holds one of `states` (a RENAME moved one of them there).
    mutating func settle(_ key: String, toOneOf states: Set<String?>) {
        possibleStates[key] = states
    }

    /// Records that `key` may now hold `value` too: a write whose outcome is unknown.
    mutating func admit(_ key: String, _ value: String?) {
        possibleStates[key, default: [nil]].insert(value)
    }

    /// Keeps only the states in which the key exists (or not), as a reply just said; returns
    /// whether any such state was possible.
    mutating func settleExistence(of key: String, exists: Bool) -> Bool {
        let matching = states(of: key).filter { ($0 != nil) == exists }
        guard !matching.isEmpty else { return false }
        possibleStates[key] = matching
        return true
    }
}
