import ZCachedCore

/// Runs parsed requests against the shared key space and writes the real server's exact replies.
struct CommandExecutor: Sendable {
    let keySpace: KeySpace

    /// Appends the reply to a request (without its `0x03` terminator).
    ///
    /// - Parameters:
    ///   - elements: The request's elements; the first is the command name.
    ///   - parseError: The error the parser stopped with, if any; it is the reply then.
    ///   - reply: The buffer the reply is appended to.
    func respond(to elements: [ZCachedValue], parseError: ServerError?, into reply: inout [UInt8]) {
        do throws(ServerError) {
            if let parseError { throw parseError }
            guard case .bulkString(let name) = elements.first else { throw .unknownCommand(name: nil) }
            guard let command = Command(name: name) else { throw .unknownCommand(name: name) }
            try run(command, RequestArguments(elements), into: &reply)
        } catch {
            error.write(into: &reply)
        }
    }

    /// Runs one command. Every error is thrown before any byte of the reply is written.
    private func run(_ command: Command, _ arguments: RequestArguments, into reply: inout [UInt8]) throws(ServerError) {
        switch command {
        case .ping:
            Self.writeSimple("PONG", into: &reply)
        case .echo:
            switch try arguments.value(at: 0) {
            case .bulkString(let bytes): ZCachedWireWriter.writeBulkString(bytes, into: &reply)
            case .simpleString(let text): ZCachedWireWriter.writeValue(.simpleString(text), into: &reply)
            default: throw .unexpected
            }
        case .set:
            let key = try arguments.bulkKey(at: 0)
            keySpace.set(try arguments.storableValue(at: 1), forKey: key)
            Self.writeSimple("OK", into: &reply)
        case .get:
            let key = try arguments.lookupKey(at: 0)
            guard let value = keySpace.value(forKey: key.bytes) else { throw key.notFound }
            ZCachedWireWriter.writeValue(value, into: &reply)
        case .delete:
            let key = try arguments.lookupKey(at: 0)
            guard keySpace.removeValue(forKey: key.bytes) else { throw key.notFound }
            Self.writeSimple("OK", into: &reply)
        case .flush:
            keySpace.removeAll()
            Self.writeSimple("OK", into: &reply)
        case .dbSize:
            Self.writeInteger(Int64(keySpace.count), into: &reply)
        case .save:
            guard keySpace.save() else { throw .noSave }
            Self.writeSimple("OK", into: &reply)
        case .lastSave:
            Self.writeInteger(keySpace.lastSave, into: &reply)
        case .keys:
            let keys = keySpace.keys
            ZCachedWireWriter.writeHeader(UInt8(ascii: "*"), count: keys.count, into: &reply)
            for key in keys { ZCachedWireWriter.writeBulkString(key, into: &reply) }
        case .mget:
            try multiGet(arguments, into: &reply)
        case .mset:
            try multiSet(arguments)
            Self.writeSimple("OK", into: &reply)
        case .sizeOf:
            let key = try arguments.lookupKey(at: 0)
            guard let value = keySpace.value(forKey: key.bytes) else { throw key.notFound }
            Self.writeInteger(Self.size(of: value), into: &reply)
        case .rename:
            let old = try arguments.bulkKey(at: 0)
            let new = try arguments.bulkKey(at: 1)
            guard keySpace.rename(old, to: new) else { throw .notFound(key: old) }
            Self.writeSimple("OK", into: &reply)
        case .copy:
            try copy(arguments)
            ZCachedWireWriter.writeBulkString("OK".utf8, into: &reply)  // COPY alone answers a bulk OK
        }
    }

    /// MGET answers a map from each distinct requested key to its value, or null when missing,
    /// in ``HashOrder``.
    private func multiGet(_ arguments: RequestArguments, into reply: inout [UInt8]) throws(ServerError) {
        var keys: [[UInt8]] = []
        var seen: Set<[UInt8]> = []
        for position in 0..<arguments.count {
            let key = try arguments.bulkKey(at: position)
            if seen.insert(key).inserted { keys.append(key) }
        }
        keys = HashOrder.sorted(keys) { $0 }
        let values = keySpace.values(forKeys: keys)
        ZCachedWireWriter.writeHeader(UInt8(ascii: "%"), count: keys.count, into: &reply)
        for (key, value) in zip(keys, values) {
            ZCachedWireWriter.writeBulkString(key, into: &reply)
            ZCachedWireWriter.writeValue(value ?? .null, into: &reply)
        }
    }

    /// MSET stores pair by pair: a bad pair fails the command but earlier pairs stay stored.
    private func multiSet(_ arguments: RequestArguments) throws(ServerError) {
        guard arguments.count > 0, arguments.count.isMultiple(of: 2) else { throw .unexpected }
        for position in stride(from: 0, to: arguments.count, by: 2) {
            let key = try arguments.bulkKey(at: position)
            keySpace.set(try arguments.storableValue(at: position + 1), forKey: key)
        }
    }

    private func copy(_ arguments: RequestArguments) throws(ServerError) {
        let source = try arguments.bulkKey(at: 0)
        let destination = try arguments.bulkKey(at: 1)
        let replacing = arguments.count > 2
        if replacing {
            guard case .bulkString(let option) = try arguments.value(at: 2),
                ASCII.equalsIgnoringCase(option, "REPLACE".utf8)
            else { throw .unexpected }
        }
        switch keySpace.copy(from: source, to: destination, replacing: replacing) {
        case .copied: return
        case .sourceMissing: throw .notFound(key: source)
        case .destinationExists: throw .busyKey
        }
    }

    /// SIZEOF: the byte length of a string, 8 for numbers, 1 for booleans, 0 for null, the element count of aggregates.
    private static func size(of value: ZCachedValue) -> Int64 {
        switch value {
        case .bulkString(let bytes): Int64(bytes.count)
        case .simpleString(let text): Int64(text.utf8.count)
        case .integer, .double: 8
        case .boolean: 1
        case .null, .error: 0
        case .array(let elements), .orderedSet(let elements), .unorderedSet(let elements): Int64(elements.count)
        case .map(let map): Int64(map.count)
        }
    }

    private static func writeSimple(_ text: StaticString, into reply: inout [UInt8]) {
        reply.append(UInt8(ascii: "+"))
        text.withUTF8Buffer { reply.append(contentsOf: $0) }
        ZCachedWireWriter.writeCRLF(into: &reply)
    }

    private static func writeInteger(_ number: Int64, into reply: inout [UInt8]) {
        reply.append(UInt8(ascii: ":"))
        ZCachedWireWriter.writeDecimal(number, into: &reply)
        ZCachedWireWriter.writeCRLF(into: &reply)
    }
}
