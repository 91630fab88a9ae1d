import ArgumentParser

/// Placeholder until the soak mode lands; replaced by the reliability work.
struct SoakCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "soak", abstract: "Soak test (not built yet).")
}
