import Synchronization
import ZCachedCore

/// The embedded server's fault hooks: arm faults for chosen requests, refuse new connections, or
/// emulate the real server's crashes.
///
/// ```swift
/// server.faults.inject(.dropReply, on: .requestNumber(7))      // lose one reply
/// server.faults.inject(.replyWithGarbage, on: .command("GET"))  // every GET gets garbage
/// server.faults.emulatesCrashes = true                          // `*0` now kills every connection
/// ```
///
/// See ``ZCachedFault`` for the fault plan.
///
/// Every member may be called from any thread; the state sits behind a lock. When nothing is
/// armed, the server's hot path only reads one atomic flag.
public final class ZCachedFaultInjector: Sendable {
    private struct Armed {
        var trigger: ZCachedFaultTrigger
        var fault: ZCachedFault
    }

    private let armed = ZCachedLock<[Armed]>([])
    private let hasArmedFaults = Atomic<Bool>(false)
    private let refuses = Atomic<Bool>(false)
    private let crashes = Atomic<Bool>(false)

    init() {}

    /// Arms `fault` for the requests `trigger` selects.
    ///
    /// Several faults may match one request; their effects add up (a delayed, split reply),
    /// except that closing or resetting the connection overrides the others: the connection
    /// closes once the earlier replies are written, with no delay.
    /// - Parameters:
    ///   - fault: What to do to the request's reply or connection.
    ///   - trigger: Which requests it applies to.
    public func inject(_ fault: ZCachedFault, on trigger: ZCachedFaultTrigger) {
        armed.withLock { armed in
            armed.append(Armed(trigger: trigger, fault: fault))
            hasArmedFaults.store(true, ordering: .releasing)
        }
    }

    /// Whether the server accepts each new connection and closes it at once, sending no bytes,
    /// as the real server does when it is full (`max_clients`) or the client is not whitelisted.
    public var refusesConnections: Bool {
        get { refuses.load(ordering: .acquiring) }
        set { refuses.store(newValue, ordering: .releasing) }
    }

    /// Whether requests that crash the real server (PROTOCOL.md §6.1–§6.4) crash the embedded one.
    ///
    /// Off by default: the server then answers them as the real server's code means to (an
    /// error reply; `-ERR unexpected` for a nested error value, which stores nothing). When on,
    /// such a request makes the server stop listening and close every connection at once,
    /// sending nothing, as the real process does when it dies; ``ZCachedTestServer/restart()`` brings it back (the key space is kept,
    /// unlike a real crash). The requests are:
    /// - an empty request array, `*0` (§6.1);
    /// - GET, DELETE or SIZEOF whose key is not a string, `GET :1` (§6.2);
    /// - a command name that is not a string, `*1\r\n:1` (§6.3: the real server crashes on it
    ///   only sometimes; the emulation always does);
    /// - SET or MSET with an error value nested in a value (§6.4: the real server crashes once the
    ///   key space is next touched; the emulation crashes at once).
    public var emulatesCrashes: Bool {
        get { crashes.load(ordering: .acquiring) }
        set { crashes.store(newValue, ordering: .releasing) }
    }

    /// Disarms every fault, accepts connections again and stops emulating crashes.
    public func removeAll() {
        armed.withLock { armed in
            armed.removeAll()
            hasArmedFaults.store(false, ordering: .releasing)
        }
        refusesConnections = false
        emulatesCrashes = false
    }

    /// The plan for request `number` (server-wide, 1-based) whose command name is `command`
    /// (`nil` when the request has no readable name). One-shot triggers that match are used up.
    func plan(forRequest number: Int, command: [UInt8]?) -> FaultPlan {
        guard hasArmedFaults.load(ordering: .acquiring) else { return .none }
        return armed.withLock { armed in
            var plan = FaultPlan.none
            armed.removeAll { entry in
                guard Self.trigger(entry.trigger, matchesRequest: number, command: command) else { return false }
                plan.add(entry.fault)
                return entry.trigger.firesOnce
            }
            if armed.isEmpty { hasArmedFaults.store(false, ordering: .releasing) }
            return plan
        }
    }

    private static func trigger(_ trigger: ZCachedFaultTrigger, matchesRequest number: Int, command: [UInt8]?) -> Bool {
        switch trigger {
        case .nextRequest, .everyRequest:
            return true
        case .requestNumber(let wanted):
            return wanted == number
        case .command(let name):
            guard let command else { return false }
            return ASCII.equalsIgnoringCase(command, name.utf8)
        }
    }
}
