import Foundation

/// The process's resident set size, from `VmRSS` in `/proc/self/status` (Linux only).
enum ResidentMemory {
    /// The current RSS in bytes, or `nil` where `/proc` is not available.
    static func current() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
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
