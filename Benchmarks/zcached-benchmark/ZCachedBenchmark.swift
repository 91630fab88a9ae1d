import ArgumentParser

/// `zcached-benchmark`: a redis-benchmark for zcached that measures the SDK against a raw-socket
/// baseline in the same run. With no `--host` it benchmarks an embedded server in-process.
@main
struct ZCachedBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zcached-benchmark",
        abstract: "Benchmarks the zcached Swift SDK against a raw-socket baseline measured in the same run.",
        subcommands: [RunCommand.self, GoalsCommand.self, SoakCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
