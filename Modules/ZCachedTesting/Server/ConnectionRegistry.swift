import NIOCore
import ZCachedCore

/// The open connections of a server, so that shutdown and restart can close them all.
final class ConnectionRegistry: Sendable {
    private let channels = ZCachedLock<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` until it closes.
    func register(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLock { $0.removeValue(forKey: id) }
        }
    }

    /// Starts closing every tracked connection at once, without waiting: an emulated crash.
    func closeAllNow() {
        for channel in channels.withLock({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }

    /// Closes every tracked connection and waits until each is closed.
    func closeAll() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open {
            channel.close(promise: nil)
            try? await channel.closeFuture.get()
        }
    }
}
