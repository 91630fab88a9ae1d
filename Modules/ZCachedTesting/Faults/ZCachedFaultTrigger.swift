/// Which requests a fault applies to.
///
/// Requests are counted server-wide, over every connection, starting at 1 when the server starts.
public enum ZCachedFaultTrigger: Sendable, Hashable {
    /// The next request the server receives, once.
    case nextRequest
    /// The request with this server-wide number (1-based), once. A number the server has already
    /// passed never fires; it stays armed until ``ZCachedFaultInjector/removeAll()``.
    case requestNumber(Int)
    /// Every request, until ``ZCachedFaultInjector/removeAll()``.
    case everyRequest
    /// Every request for this command (the name compares ASCII case-insensitively), until
    /// ``ZCachedFaultInjector/removeAll()``.
    case command(String)

    /// Whether the trigger is used up after it fired once.
    var firesOnce: Bool {
        switch self {
        case .nextRequest, .requestNumber: true
        case .everyRequest, .command: false
        }
    }
}
