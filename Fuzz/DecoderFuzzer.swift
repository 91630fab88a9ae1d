// libFuzzer target for ZCachedCore's reply decoder and request encoder.
//
// Built by Scripts/fuzz.sh with `swiftc -sanitize=fuzzer,address -parse-as-library` over the
// sources of Modules/ZCachedCore plus this file (no SwiftPM). For every input it checks:
//
// 1. Decoding never crashes: the decoder returns values, asks for more bytes, or throws
//    ZCachedError (typed throws make any other error impossible).
// 2. Chunking does not matter: feeding the input whole and in pseudo-random chunk splits (seeded
//    by the input, so a finding replays exactly) yields the same replies and the same outcome.
//    Both streams end with one extra 0x03: the decoder deliberately stops parsing a partial
//    reply over 4 KiB until a terminator arrives, so only then must both have seen any garbage.
// 3. Round trip: every decoded value that ZCachedValidation.checkStorable accepts, encoded as
//    `SET k <value>`, decodes back from the request frame unchanged.
//
// A broken property ends in `fatalError` with a description, which libFuzzer reports as a crash
// and saves the input for.

/// What decoding a whole stream gives: the replies in order, then whether it ended in an error.
struct DecodeOutcome: Equatable {
    var replies: [ZCachedValue] = []
    var error: ZCachedError.Code?

    /// Takes every whole reply out of `decoder`; stops at the first error.
    mutating func drain(_ decoder: inout ZCachedReplyDecoder) {
        guard error == nil else { return }
        do {
            while let reply = try decoder.next() {
                replies.append(reply)
            }
        } catch {
            self.error = error.code
        }
    }

    /// Appends the closing `0x03` and takes what it completes.
    mutating func finish(_ decoder: inout ZCachedReplyDecoder) {
        decoder.append(contentsOf: [0x03])
        drain(&decoder)
    }
}

/// A small deterministic generator (SplitMix64) for the chunk sizes.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Decodes `bytes` fed in one piece.
func decodeWhole(_ bytes: UnsafeBufferPointer<UInt8>) -> DecodeOutcome {
    var decoder = ZCachedReplyDecoder()
    var outcome = DecodeOutcome()
    decoder.append(contentsOf: bytes)
    outcome.drain(&decoder)
    outcome.finish(&decoder)
    return outcome
}

/// Decodes `bytes` fed in chunks of 1 to 64 bytes drawn from a generator seeded by the input.
func decodeChunked(_ bytes: UnsafeBufferPointer<UInt8>) -> DecodeOutcome {
    var seed: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a over the input
    for byte in bytes { seed = (seed ^ UInt64(byte)) &* 0x100_0000_01B3 }
    var random = SplitMix64(state: seed)
    var decoder = ZCachedReplyDecoder()
    var outcome = DecodeOutcome()
    var start = 0
    while start < bytes.count && outcome.error == nil {
        let end = min(bytes.count, start + 1 + Int(random.next() % 64))
        decoder.append(contentsOf: bytes[start..<end])
        outcome.drain(&decoder)
        start = end
    }
    outcome.finish(&decoder)
    return outcome
}

/// Encodes `SET k <value>` and checks the request frame decodes back to the same value.
func checkRoundTrip(_ value: ZCachedValue) {
    guard (try? ZCachedValidation.checkStorable(value, argument: "value")) != nil else { return }
    var encoder = ZCachedRequestEncoder()
    do {
        try encoder.encode(ZCachedKeyCommands.Set("k", value))
    } catch {
        fatalError("a value checkStorable accepts failed to encode: \(error) value: \(value)")
    }
    var decoder = ZCachedReplyDecoder()
    decoder.append(contentsOf: encoder.bytes)
    let expected = ZCachedValue.array([.bulkString(Array("SET".utf8)), .bulkString(Array("k".utf8)), value])
    let decoded: ZCachedValue?
    do {
        decoded = try decoder.next()
    } catch {
        fatalError("the SET frame of a storable value does not decode: \(error) value: \(value) frame: \(encoder.bytes)")
    }
    guard decoded == expected, decoder.bufferedByteCount == 0 else {
        fatalError("round trip changed the value: \(value) -> \(String(describing: decoded)) frame: \(encoder.bytes)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let whole = decodeWhole(bytes)
    let chunked = decodeChunked(bytes)
    guard whole == chunked else {
        fatalError("chunking changed the outcome: whole \(whole) chunked \(chunked)")
    }
    for reply in whole.replies {
        checkRoundTrip(reply)
    }
    return 0
}
