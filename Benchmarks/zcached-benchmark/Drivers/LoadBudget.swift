import Synchronization

/// The requests of one measured run, shared by its workers: how many remain (or until when to
/// run), and how many are done, for the progress line.
final class LoadBudget: Sendable {
    private let nextRequest = Atomic<Int>(0)
    private let completedRequests = Atomic<Int>(0)
    private let requestLimit: Int?
    private let deadline: ContinuousClock.Instant?

    /// A budget of `requests` requests, or of `duration` when given.
    init(requests: Int, duration: Duration?) {
        self.requestLimit = duration == nil ? requests : nil
        self.deadline = duration.map { ContinuousClock.now + $0 }
    }

    /// Claims the numbers of up to `count` more requests; `nil` when the run is over.
    func claim(_ count: Int) -> Range<Int>? {
        if let deadline, ContinuousClock.now >= deadline { return nil }
        let start = nextRequest.add(count, ordering: .relaxed).oldValue
        guard let requestLimit else { return start..<(start + count) }
        return start < requestLimit ? start..<min(start + count, requestLimit) : nil
    }

    /// Records finished requests.
    func complete(_ count: Int) {
        completedRequests.add(count, ordering: .relaxed)
    }

    /// Requests finished so far.
    var completed: Int { completedRequests.load(ordering: .relaxed) }
}
