import ZCachedCore

/// One value being encoded. Containers hold nodes by reference so a nested container can keep
/// writing after its parent handed it out; ``resolve()`` turns the finished tree into a value.
final class ZCachedEncodingNode {
    private enum Kind {
        case unset, value, map, array
    }

    private var kind = Kind.unset
    private var value = ZCachedValue.null
    private var mapKeys: [String] = []
    private var mapChildren: [String: ZCachedEncodingNode] = [:]
    private var elements: [ZCachedEncodingNode] = []
    /// Whether an array is stored as an unordered set (the node encoded a `Set`).
    var isUnorderedSet = false
    /// Where the node sits, for errors found when resolving.
    let codingPath: [any CodingKey]

    init(codingPath: [any CodingKey]) {
        self.codingPath = codingPath
    }

    /// Stores a finished value, replacing an earlier one; after a container, records a failure
    /// rather than dropping what the container holds.
    func set(_ value: ZCachedValue) {
        guard kind == .unset || kind == .value else {
            fail(because: "encoded a single value after a container there")
            return
        }
        kind = .value
        self.value = value
    }

    /// Why the node cannot be resolved, found where the `Encoder` API cannot throw: containers
    /// of two kinds asked for in one place (JSONEncoder traps instead), or a nested container's
    /// key the server cannot store. ``resolve()`` throws the first one.
    private var failure: EncodingError?

    /// Records `reason` as the node's failure, unless it has one already.
    private func fail(because reason: String) {
        fail(with: ZCachedCodingErrors.invalidValue(value, codingPath, reason))
    }

    /// Records `error` as the node's failure, unless it has one already.
    func fail(with error: EncodingError) {
        if failure == nil { failure = error }
    }

    /// Makes the node a map, or keeps it one; after something else, records a failure.
    func becomeMap() {
        guard kind != .map else { return }
        guard kind == .unset else {
            fail(because: "asked for a keyed container after encoding something else there")
            return
        }
        kind = .map
    }

    /// Makes the node an array, or keeps it one; after something else, records a failure.
    func becomeArray() {
        guard kind != .array else { return }
        guard kind == .unset else {
            fail(because: "asked for an unkeyed container after encoding something else there")
            return
        }
        kind = .array
    }

    /// The number of array elements so far.
    var count: Int { elements.count }

    /// A new child stored under `key` of this map, replacing an earlier one.
    func child(forKey key: String, codingPath: [any CodingKey]) -> ZCachedEncodingNode {
        let child = ZCachedEncodingNode(codingPath: codingPath)
        if mapChildren.updateValue(child, forKey: key) == nil { mapKeys.append(key) }
        return child
    }

    /// The container child stored under `key`: the one already there when it is a map or an
    /// array, so a nested container asked for twice keeps what was written into it (as
    /// JSONEncoder does); otherwise a new one, as ``child(forKey:codingPath:)``.
    func containerChild(forKey key: String, codingPath: [any CodingKey]) -> ZCachedEncodingNode {
        if let existing = mapChildren[key], existing.kind == .map || existing.kind == .array { return existing }
        return child(forKey: key, codingPath: codingPath)
    }

    /// A new child appended to this array.
    func appendChild(codingPath: [any CodingKey]) -> ZCachedEncodingNode {
        let child = ZCachedEncodingNode(codingPath: codingPath)
        elements.append(child)
        return child
    }

    /// The finished value.
    /// - Throws: `EncodingError.invalidValue` naming the field for a value that encoded nothing,
    ///   a value and containers of different kinds written in one place, or a nested
    ///   container's key the server cannot store.
    func resolve() throws(EncodingError) -> ZCachedValue {
        if let failure { throw failure }
        switch kind {
        case .value:
            return value
        case .unset:
            throw ZCachedCodingErrors.invalidValue(value, codingPath, "encoded no value")
        case .array:
            var resolved: [ZCachedValue] = []
            resolved.reserveCapacity(elements.count)
            for element in elements { resolved.append(try element.resolve()) }
            return isUnorderedSet ? .unorderedSet(resolved) : .array(resolved)
        case .map:
            // The server refuses an empty map (PROTOCOL.md §2), so an empty dictionary, a
            // struct with nothing to encode or an enum case without payload (`{"case": {}}`)
            // is stored as an empty array, which a keyed container reads back as empty.
            guard !mapKeys.isEmpty else { return .array([]) }
            var entries: [ZCachedMap.Entry] = []
            entries.reserveCapacity(mapKeys.count)
            for key in mapKeys { entries.append(ZCachedMap.Entry(key: key, value: try mapChildren[key]!.resolve())) }
            return .map(ZCachedMap(entries))
        }
    }
}
