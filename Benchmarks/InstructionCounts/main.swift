// Runs one of ZCachedCore's hot paths a given number of times, so that Scripts/instructions.sh
// can count its instructions under valgrind: exact, repeatable figures on a VM that exposes no
// hardware counters and whose timings are noise. Compiled and linked against ZCachedCore by that
// script (no SwiftPM).
//
//     instruction-counts OPERATION ITERATIONS

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ZCachedCore

let value = ZCachedValue.bulkString([UInt8](repeating: UInt8(ascii: "x"), count: 32))
let keys = (0..<100).map { "key:\($0)" }
let mget = ZCachedKeyCommands.MGet(keys)
let mset = ZCachedKeyCommands.MSet(keys.map { (key: $0, value: value) })
let getReply = ZCachedWireWriter.encodedReply(value)
let mgetReply = ZCachedWireWriter.encodedReply(.map(ZCachedMap(keys.map { ($0, value) })))

/// Each operation returns a number derived from its result, so the optimiser cannot drop it.
/// Decoding operations share one decoder, as a connection keeps one: its buffer is reused.
let operations: [String: (inout ZCachedReplyDecoder) throws -> Int] = [
    "encode-set": { _ in
        var encoder = ZCachedRequestEncoder()
        try encoder.encode(ZCachedKeyCommands.Set("key:1", value))
        return encoder.bytes.count
    },
    "encode-mget-100": { _ in
        var encoder = ZCachedRequestEncoder()
        try encoder.encode(mget)
        return encoder.bytes.count
    },
    "encode-mset-100": { _ in
        var encoder = ZCachedRequestEncoder()
        try encoder.encode(mset)
        return encoder.bytes.count
    },
    "decode-get": { decoder in
        decoder.append(contentsOf: getReply)
        return try decoder.next() == nil ? 0 : 1
    },
    "decode-mget-100": { decoder in
        decoder.append(contentsOf: mgetReply)
        return try decoder.next() == nil ? 0 : 1
    },
    "mget-100-to-dictionary": { decoder in
        decoder.append(contentsOf: mgetReply)
        guard let reply = try decoder.next() else { return 0 }
        return try mget.response(from: reply).count
    },
]

let arguments = CommandLine.arguments
guard arguments.count == 3, let operation = operations[arguments[1]], let iterations = Int(arguments[2]) else {
    print("usage: instruction-counts {\(operations.keys.sorted().joined(separator: "|"))} ITERATIONS")
    exit(2)
}
var decoder = ZCachedReplyDecoder()
var checksum = 0
for _ in 0..<iterations { checksum &+= try operation(&decoder) }
print(checksum)
