#if canImport(Glibc)
import Glibc
#endif

/// The live progress line on a terminal: requests done, rate and elapsed time, redrawn in place
/// on standard error so it never mixes with the report on standard output.
struct ProgressLine: Sendable {
    /// A progress line when standard error is a terminal and output is not quieted.
    static func onTerminal(quiet: Bool) -> ProgressLine? {
        quiet || isatty(STDERR_FILENO) == 0 ? nil : ProgressLine()
    }

    /// Redraws the line every quarter second until the task is cancelled, then clears it.
    func report(_ label: String, _ budget: LoadBudget) async {
        let started = ContinuousClock.now
        while (try? await Task.sleep(for: .milliseconds(250))) != nil {
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let done = budget.completed
            let rate = seconds > 0 ? Double(done) / seconds : 0
            draw("\r\u{1B}[K  \(label): \(done) requests, \(Format.integer(rate)) ops/s, \(Format.decimal(seconds, digits: 1)) s")
        }
        draw("\r\u{1B}[K")
    }

    private func draw(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
