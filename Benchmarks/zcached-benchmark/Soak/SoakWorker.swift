import ZCachedClient
import ZCachedCore

/// One soak worker: it owns a few keys, sends a random mix of commands on them one at a time,
/// and checks every reply against its ``SoakModel``.
struct SoakWorker {
    /// What a reply, or its absence, means.
    enum Verdict {
        /// The reply matches a state the model allowed.
        case correct
        /// A successful reply the model rules out: another key's or another request's data.
        case wrong(String)
        /// A typed error; the model now allows both outcomes of the request.
        case failed(ZCachedError)
    }

    /// The worker's name in keys and values, such as `a7` (async task 7) or `b2`.
    let name: String
    private let keys: [String]
    private var model = SoakModel()
    private var writes = 0
    private var random = SystemRandomNumberGenerator()

    /// Makes a worker for `keyCount` keys of its own under `prefix`.
    init(name: String, prefix: String, keyCount: Int = 24) {
        self.name = name
        self.keys = (0..<keyCount).map { "\(prefix):\(name):\($0)" }
    }

    // MARK: Choosing

    /// A random operation on the worker's keys, writing fresh values.
    mutating func nextOperation() -> SoakOperation {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<28: return .get(key: randomKey())
        case 28..<52: return .set(key: randomKey(), value: freshValue())
        case 52..<62: return .mget(keys: randomKeys())
        case 62..<72: return .mset(randomKeys().map { (key: $0, value: freshValue()) })
        case 72..<80: return .exists(key: randomKey())
        case 80..<88: return .delete(key: randomKey())
        default:
            // Mostly from a key that holds a value; sometimes from one that may not (keyNotFound).
            let stored = Bool.random(using: &random) ? keys.filter(model.mayExist) : []
            let source = stored.randomElement(using: &random) ?? randomKey()
            return .rename(key: source, newKey: keys.filter { $0 != source }.randomElement(using: &random)!)
        }
    }

    private mutating func randomKey() -> String {
        keys.randomElement(using: &random)!
    }

    /// Two to five distinct keys.
    private mutating func randomKeys() -> [String] {
        Array(keys.shuffled(using: &random).prefix(Int.random(in: 2...5, using: &random)))
    }

    /// A value no other write of the run uses: the worker's name and a counter, padded to a
    /// random size (mostly small, some over the 4096-byte in-flight window, a few up to 64 KiB).
    private mutating func freshValue() -> String {
        writes += 1
        let tag = "\(name).\(writes)."
        let size: Int
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<70: size = Int.random(in: 0...64, using: &random)
        case 70..<95: size = Int.random(in: 64...4096, using: &random)
        default: size = Int.random(in: 4096...65_536, using: &random)
        }
        let letter = Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(writes % 26)))
        return tag + String(repeating: letter, count: size)
    }

    // MARK: Checking

    /// Checks the outcome of `operation` and brings the model up to date.
    mutating func check(_ operation: SoakOperation, _ outcome: Result<SoakOperation.Reply, ZCachedError>) -> Verdict {
        switch (operation, outcome) {
        case (.rename(let key, _), .failure(let error)) where error.code == .keyNotFound:
            // A correct refusal when the source may be absent.
            guard model.mayHold(key, nil) else { return .wrong("RENAME: keyNotFound for a key that exists") }
            model.settle(key, nil)
            return .correct
        case (_, .failure(let error)):
            admitEither(operation)
            return .failed(error)
        case (_, .success(let reply)):
            return checkSuccess(operation, reply)
        }
    }

    /// The request may or may not have run: allow both.
    private mutating func admitEither(_ operation: SoakOperation) {
        switch operation {
        case .get, .mget, .exists:
            break
        case .set(let key, let value):
            model.admit(key, value)
        case .mset(let pairs):
            for pair in pairs { model.admit(pair.key, pair.value) }
        case .delete(let key):
            model.admit(key, nil)
        case .rename(let key, let newKey):
            for value in model.states(of: key).compactMap({ $0 }) { model.admit(newKey, value) }
            model.admit(key, nil)
        }
    }

    private mutating func checkSuccess(_ operation: SoakOperation, _ reply: SoakOperation.Reply) -> Verdict {
        switch (operation, reply) {
        case (.set(let key, let value), .done):
            model.settle(key, value)
        case (.mset(let pairs), .done):
            for pair in pairs { model.settle(pair.key, pair.value) }
        case (.get(let key), .value(let value)):
            guard model.mayHold(key, value) else { return .wrong("GET: \(Self.describe(value)) is not the key's") }
            model.settle(key, value)
        case (.mget(let keys), .values(let values)):
            if let stranger = values.keys.first(where: { !keys.contains($0) }) {
                return .wrong("MGET: a key that was not asked for, \(stranger)")
            }
            for key in keys {
                let value = values[key].flatMap { try? String(zcachedValue: $0) }
                guard values[key] == nil || value != nil else { return .wrong("MGET: a value that is not a string") }
                guard model.mayHold(key, value) else { return .wrong("MGET: \(Self.describe(value)) is not the key's") }
                model.settle(key, value)
            }
        case (.exists(let key), .flag(let exists)):
            guard model.settleExistence(of: key, exists: exists) else { return .wrong("EXISTS: \(exists) contradicts every possible state") }
        case (.delete(let key), .flag(let existed)):
            guard model.settleExistence(of: key, exists: existed) else { return .wrong("DELETE: \(existed) contradicts every possible state") }
            model.settle(key, nil)
        case (.rename(let key, let newKey), .done):
            let moved = model.states(of: key).compactMap { $0 }
            guard !moved.isEmpty else { return .wrong("RENAME succeeded from a key that cannot exist") }
            model.settle(newKey, toOneOf: Set(moved))
            model.settle(key, nil)
        default:
            return .wrong("a reply of the wrong shape: \(reply)")
        }
        return .correct
    }

    /// A value's tag (worker and write number), never the padding.
    private static func describe(_ value: String?) -> String {
        guard let value else { return "absent" }
        return "value " + value.split(separator: ".", maxSplits: 2).prefix(2).joined(separator: ".")
    }
}
