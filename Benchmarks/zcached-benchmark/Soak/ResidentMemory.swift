import Foundation

/// The process's resident set size, from `/proc/self/status` (Linux only).
///
/// It covers the whole process: with no `--host`, the embedded server's keys and buffers too.
enum ResidentMemory {
    /// The current RSS in bytes (`VmRSS`), or `nil` where `/proc` is not available.
    static func current() -> Int? {
        read("VmRSS:")
    }

    /// The highest RSS the process has had (`VmHWM`, kept by the kernel, so a peak between
    /// samples counts), or `nil` where `/proc` is not available.
    static func peak() -> Int? {
        read("VmHWM:")
    }

    private static func read(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            // "VmRSS:	   12345 kB"
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kibibytes = Int(fields[1]) else { return nil }
            return kibibytes * 1024
        }
        return nil
    }

    /// `bytes` in MiB with one decimal, or `n/a`.
    static func format(_ bytes: Int?) -> String {
        guard let bytes else { return "n/a" }
        return Format.decimal(Double(bytes) / 1_048_576, digits: 1) + " MiB"
    }
}
