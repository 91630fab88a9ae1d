import ZCachedCore

/// The rounds of a field-per-key load: which keys to MGET next, then the decoded value.
///
/// The first round fetches every field ``ZCachedFieldProbe`` found, which is all of them for
/// plain structs. When decoding asks for a field not fetched yet (the probe stopped early), that
/// field is fetched in another round and decoding starts over.
struct ZCachedFieldLoader<Value: Decodable> {
    /// What the sender does next.
    enum Step {
        /// MGET these keys and pass the reply to ``next(after:)``.
        case fetch([String])
        /// The load is over: the value, or `nil` when none of its fields exist.
        case finished(Value?)
    }

    private let prefix: String
    private let separator: String
    private let decoder: ZCachedValueDecoder
    private var pending: [String]
    private var fetched: Set<String> = []
    private var entries: [ZCachedMap.Entry] = []

    /// Makes a loader and probes `Value`'s fields.
    init(prefix: String, separator: String, decoder: ZCachedValueDecoder) {
        self.prefix = prefix
        self.separator = separator
        self.decoder = decoder
        self.pending = ZCachedFieldProbe.fields(of: Value.self, options: decoder.options)
    }

    /// The first step.
    /// - Throws: `ZCachedError/Code/invalidArgument` when the probe found no field: the type has
    ///   no fixed coding keys (a dictionary, whose fields are its keys, a type that reads
    ///   `allKeys`, a single value such as `Int`, or an empty struct, which `store` refuses), so
    ///   there is nothing a load could ask for.
    mutating func start() throws(ZCachedError) -> Step {
        guard !pending.isEmpty else {
            throw ZCachedError(
                code: .invalidArgument,
                message: "\(Value.self) has no fixed coding keys (it asks for no field by name), so a field-per-key load "
                    + "cannot know which keys to read; read a dictionary's entries with get(many:), a single value with get(_:decoding:)",
                argument: "type",
                key: prefix
            )
        }
        return .fetch(pending.map(storageKey))
    }

    /// The step after an MGET of the keys the previous step asked for.
    /// - Parameter reply: The MGET reply.
    /// - Throws: `ZCachedError/Code/unexpectedReply` naming the field, with the field's full key
    ///   in `ZCachedError/key`, when the fetched fields do not decode (a required one missing).
    mutating func next(after reply: [String: ZCachedValue]) throws(ZCachedError) -> Step {
        for field in pending {
            fetched.insert(field)
            if let value = reply[storageKey(field)] { entries.append(ZCachedMap.Entry(key: storedName(field), value: value)) }
        }
        let tracker = ZCachedFieldTracker(fetched: fetched)
        let decoder = ZCachedDecoderImplementation(value: .map(ZCachedMap(entries)), codingPath: [], options: decoder.options, fields: tracker)
        let result = Result { try Value(from: decoder) }
        pending = tracker.unfetched
        if !pending.isEmpty { return .fetch(pending.map(storageKey)) }
        if entries.isEmpty { return .finished(nil) }
        do {
            return .finished(try result.get())
        } catch {
            throw ZCachedCodingErrors.decodingFailure(error, key: failingKey(error))
        }
    }

    /// The field's name as stored: escaped under ``ZCachedStringStrategy/escaped``.
    private func storedName(_ field: String) -> String {
        decoder.stringStrategy == .escaped ? ZCachedStringEscaping.escape(field) : field
    }

    private func storageKey(_ field: String) -> String {
        prefix + separator + storedName(field)
    }

    /// The key of the field a decoding error is about, or the prefix when it names none.
    private func failingKey(_ error: any Error) -> String {
        let path: [any CodingKey] = switch error {
        case DecodingError.keyNotFound(let key, let context): context.codingPath + [key]
        case DecodingError.valueNotFound(_, let context), DecodingError.typeMismatch(_, let context),
            DecodingError.dataCorrupted(let context): context.codingPath
        default: []
        }
        return path.first.map { storageKey($0.stringValue) } ?? prefix
    }
}
