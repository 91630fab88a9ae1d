import ZCachedTesting

/// Misbehaviour for the embedded server during a soak: a random fault of the fault plan on the
/// next request every so often, and now and then a restart.
struct SoakChaos {
    /// How often a fault is armed.
    let faultInterval: Duration
    /// How often the server restarts; `nil` for never.
    let restartInterval: Duration?
    /// Whether some faults forge a well-formed wrong reply, to prove the soak detects one.
    var forgesReplies = false
    /// The names of the faults to inject; all of them when `nil`.
    var selection: Set<String>? = nil

    /// The names of every fault the soak can inject.
    static var faultNames: [String] { kinds.map(\.name) }

    /// A named fault, built with fresh random parameters each time.
    private struct Kind {
        let name: String
        let make: @Sendable () -> ZCachedFault
    }

    /// Every reply and connection fault the clients must survive. Not `replaceReply(with:)`
    /// with a valid reply: that is a wrong answer by design, which no client can detect.
    private static let kinds: [Kind] = [
        Kind(name: "dropReply") { .dropReply },
        Kind(name: "dropAllLaterReplies") { .dropAllLaterReplies },
        Kind(name: "delayReply") { .delayReply(.milliseconds(Int.random(in: 1...1_500))) },
        Kind(name: "closeConnection") { .closeConnection },
        Kind(name: "resetConnection") { .resetConnection },
        Kind(name: "closeAfterReplyBytes") { .closeAfterReplyBytes(Int.random(in: 0...16)) },
        Kind(name: "replyWithGarbage") { .replyWithGarbage },
        Kind(name: "omitTerminator") { .omitTerminator },
        Kind(name: "duplicateTerminator") { .duplicateTerminator },
        Kind(name: "corruptTerminator") { .corruptTerminator },
        Kind(name: "splitReplyIntoSingleBytes") { .splitReplyIntoSingleBytes },
    ]

    /// A well-formed reply with a value no worker wrote: undetectable by the clients, so only
    /// the soak's model can catch it.
    private static let forgery = Kind(name: "forgedReply") { .replaceReply(with: Array("$6\r\nforged\r\n".utf8)) }

    /// Injects faults into `server` until `deadline`, then disarms them all.
    func run(on server: ZCachedTestServer, until deadline: ContinuousClock.Instant, tally: SoakTally) async {
        let clock = ContinuousClock()
        let kinds = Self.kinds.filter { selection?.contains($0.name) ?? true }
        var nextRestart = restartInterval.map { clock.now + $0 }
        while clock.now < deadline {
            do {
                try await Task.sleep(until: min(clock.now + faultInterval, deadline))
            } catch {
                break
            }
            guard clock.now < deadline else { break }
            if let restartAt = nextRestart, clock.now >= restartAt, let restartInterval {
                // A failed rebind leaves the server down; the next restart tries again.
                if (try? await server.restart()) != nil { tally.recordRestart() }
                nextRestart = clock.now + restartInterval
                continue
            }
            guard let kind = forgesReplies && Bool.random() ? Self.forgery : kinds.randomElement() else { continue }
            server.faults.inject(kind.make(), on: .nextRequest)
            tally.recordFault(kind.name)
        }
        server.faults.removeAll()
    }
}
