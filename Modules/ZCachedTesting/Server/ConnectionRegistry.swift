import NIOCore
import ZCachedCore

/// The open connections of a server, so that shutdown and restart can close them all.
///
/// A connection accepted by a listener just before it closed can reach ``register(_:acceptedIn:)``
/// after a close-all took its snapshot; it would then outlive the shutdown or restart. Each
/// close-all therefore starts a new epoch, listeners remember the epoch they were opened in, and
/// a connection registering from an older epoch is closed at once.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var epoch = 0
    }

    private let state = ZCachedLock(State())

    /// The epoch a listener opened now belongs to.
    var currentEpoch: Int { state.withLock { $0.epoch } }

    /// Tracks `channel` until it closes, or closes it when its listener's epoch has ended.
    /// - Parameters:
    ///   - channel: A newly accepted connection.
    ///   - epoch: The ``currentEpoch`` when its listener was opened.
    func register(_ channel: any Channel, acceptedIn epoch: Int) {
        let id = ObjectIdentifier(channel)
        let isCurrent = state.withLock { state in
            guard state.epoch == epoch else { return false }
            state.channels[id] = channel
            return true
        }
        guard isCurrent else {
            channel.close(promise: nil)
            return
        }
        channel.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.channels.removeValue(forKey: id) }
        }
    }

    /// Starts closing every tracked connection at once, without waiting: an emulated crash.
    func closeAllNow() {
        for channel in endEpoch() {
            channel.close(promise: nil)
        }
    }

    /// Closes every tracked connection and waits until each is closed: all closes start at
    /// once, so TLS connections waiting for their peers' `close_notify` wait together.
    func closeAll() async {
        let open = endEpoch()
        for channel in open { channel.close(promise: nil) }
        for channel in open { try? await channel.closeFuture.get() }
    }

    /// Ends the current epoch and returns the connections open in it.
    private func endEpoch() -> [any Channel] {
        state.withLock { state in
            state.epoch += 1
            return Array(state.channels.values)
        }
    }
}
