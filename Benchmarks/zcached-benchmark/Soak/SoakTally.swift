import ZCachedClient
import ZCachedCore

/// The soak's counters, shared by every worker: operations, errors by code, wrong replies.
final class SoakTally: Sendable {
    /// A copy of the counters at one moment.
    struct Snapshot {
        var operations: [SoakClientKind: Int] = [:]
        /// Operations whose reply was right.
        var succeeded: [SoakClientKind: Int] = [:]
        var errors: [ZCachedError.Code: Int] = [:]
        var wrongReplies = 0
        /// The first few wrong replies, described without their data.
        var wrongSamples: [String] = []
        var faultsInjected: [String: Int] = [:]
        var restarts = 0
        var recoveries = 0

        var totalOperations: Int { operations.values.reduce(0, +) }
        var totalErrors: Int { errors.values.reduce(0, +) }
    }

    private let state = ZCachedLock(Snapshot())

    /// Records one operation's verdict.
    func record(_ verdict: SoakWorker.Verdict, by client: SoakClientKind, worker: String) {
        state.withLock { state in
            state.operations[client, default: 0] += 1
            switch verdict {
            case .correct:
                state.succeeded[client, default: 0] += 1
            case .failed(let error):
                state.errors[error.code, default: 0] += 1
            case .wrong(let description):
                state.wrongReplies += 1
                if state.wrongSamples.count < 10 { state.wrongSamples.append("\(worker): \(description)") }
            }
        }
    }

    /// Records a fault armed on the embedded server.
    func recordFault(_ name: String) {
        state.withLock { $0.faultsInjected[name, default: 0] += 1 }
    }

    /// Records a restart of the embedded server.
    func recordRestart() {
        state.withLock { $0.restarts += 1 }
    }

    /// Records broken connections reconnected or replaced.
    func recordRecoveries(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.recoveries += count }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}

/// Which client an operation went through.
enum SoakClientKind: String, CaseIterable, Sendable {
    case async
    case blocking
}
