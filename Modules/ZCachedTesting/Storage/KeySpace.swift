import ZCachedCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one key space every connection of a server shares, behind a lock.
///
/// Each method is atomic on its own; like the real server, commands touching several keys
/// (MSET) are not atomic as a whole.
final class KeySpace: Sendable {
    /// What ``copy(from:to:replacing:)`` did.
    enum CopyOutcome {
        case copied
        case sourceMissing
        case destinationExists
    }

    private struct State {
        var entries: [[UInt8]: ZCachedValue] = [:]
        var lastSave: Int64
    }

    private let state: ZCachedLock<State>

    init() {
        state = ZCachedLock(State(lastSave: Self.unixSeconds()))
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// Every key, in ``HashOrder`` (the real server's is its hash table's): the same from run to
    /// run, unlike a dictionary's, since the keys are put in byte order before they are hashed.
    var keys: [[UInt8]] {
        let keys = state.withLock { Array($0.entries.keys) }
        return HashOrder.sorted(keys.sorted { $0.lexicographicallyPrecedes($1) }) { $0 }
    }

    /// Unix seconds of the last SAVE, or of the server's start when nothing was saved.
    var lastSave: Int64 { state.withLock { $0.lastSave } }

    func value(forKey key: [UInt8]) -> ZCachedValue? {
        state.withLock { $0.entries[key] }
    }

    func values(forKeys keys: [[UInt8]]) -> [ZCachedValue?] {
        state.withLock { state in keys.map { state.entries[$0] } }
    }

    func set(_ value: ZCachedValue, forKey key: [UInt8]) {
        state.withLock { $0.entries[key] = value }
    }

    /// Removes the key; returns whether it existed.
    func removeValue(forKey key: [UInt8]) -> Bool {
        state.withLock { $0.entries.removeValue(forKey: key) != nil }
    }

    func removeAll() {
        state.withLock { $0.entries.removeAll() }
    }

    /// Moves the value of `old` to `new`, overwriting `new`; returns `false` when `old` is missing.
    func rename(_ old: [UInt8], to new: [UInt8]) -> Bool {
        state.withLock { state in
            guard let value = state.entries.removeValue(forKey: old) else { return false }
            state.entries[new] = value
            return true
        }
    }

    func copy(from source: [UInt8], to destination: [UInt8], replacing: Bool) -> CopyOutcome {
        state.withLock { state in
            guard let value = state.entries[source] else { return .sourceMissing }
            if !replacing && state.entries[destination] != nil { return .destinationExists }
            state.entries[destination] = value
            return .copied
        }
    }

    /// Records a save (nothing is written to disk); returns `false` when the key space is empty,
    /// because the real server cannot save an empty database.
    func save() -> Bool {
        state.withLock { state in
            guard !state.entries.isEmpty else { return false }
            state.lastSave = Self.unixSeconds()
            return true
        }
    }

    private static func unixSeconds() -> Int64 {
        Int64(time(nil))
    }
}
