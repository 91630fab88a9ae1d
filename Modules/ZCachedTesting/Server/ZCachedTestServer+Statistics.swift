import Synchronization

extension ZCachedTestServer {
    /// A snapshot of what the server has seen since it started.
    public struct Statistics: Sendable, Hashable {
        /// Request frames received (every `0x03`-terminated frame counts, malformed ones too).
        public var requestsReceived: Int
        /// Bytes read from all connections.
        public var bytesReceived: Int
        /// Connections accepted, refused ones included.
        public var connectionsAccepted: Int
        /// The largest number of bytes of whole request frames one connection had received while
        /// their replies were not written yet: how deep clients pipeline.
        public var maximumBytesInFlight: Int
        /// Reads (of at most 4096 bytes, as the real server's) that ended in the middle of a
        /// request frame after completing at least one: each would shift the real server's
        /// receive buffer, and added up they corrupt its replies (PROTOCOL.md §1.1). A client
        /// that keeps within the server-safe window causes none on loopback; unlike
        /// ``maximumBytesInFlight``, a large request sent alone does not count.
        public var bufferShiftingReads: Int
    }
}

/// The live counters behind ``ZCachedTestServer/Statistics``, updated from every event loop.
final class StatisticsCounters: Sendable {
    private let requests = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)
    private let connections = Atomic<Int>(0)
    private let maximumInFlight = Atomic<Int>(0)
    private let shiftingReads = Atomic<Int>(0)

    var snapshot: ZCachedTestServer.Statistics {
        ZCachedTestServer.Statistics(
            requestsReceived: requests.load(ordering: .relaxed),
            bytesReceived: bytes.load(ordering: .relaxed),
            connectionsAccepted: connections.load(ordering: .relaxed),
            maximumBytesInFlight: maximumInFlight.load(ordering: .relaxed),
            bufferShiftingReads: shiftingReads.load(ordering: .relaxed)
        )
    }

    /// Counts a request; returns its server-wide number, starting at 1.
    func recordRequest() -> Int {
        requests.wrappingAdd(1, ordering: .relaxed).newValue
    }

    func recordBytesReceived(_ count: Int) {
        _ = bytes.wrappingAdd(count, ordering: .relaxed)
    }

    func recordConnectionAccepted() {
        _ = connections.wrappingAdd(1, ordering: .relaxed)
    }

    /// Raises the maximum in-flight byte count to `count` if it is higher.
    func recordBytesInFlight(_ count: Int) {
        _ = maximumInFlight.max(count, ordering: .relaxed)
    }

    /// Counts a read that ended mid-frame after completing a frame.
    func recordBufferShiftingRead() {
        _ = shiftingReads.wrappingAdd(1, ordering: .relaxed)
    }
}
