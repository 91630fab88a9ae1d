/// The 15 commands the real server knows (PROTOCOL.md §3).
enum Command: String, CaseIterable {
    case ping = "PING"
    case echo = "ECHO"
    case set = "SET"
    case get = "GET"
    case delete = "DELETE"
    case flush = "FLUSH"
    case dbSize = "DBSIZE"
    case save = "SAVE"
    case lastSave = "LASTSAVE"
    case keys = "KEYS"
    case mget = "MGET"
    case mset = "MSET"
    case sizeOf = "SIZEOF"
    case rename = "RENAME"
    case copy = "COPY"

    /// The command with this name (ASCII case-insensitive), or `nil` for an unknown name.
    init?(name: [UInt8]) {
        guard let command = Self.allCases.first(where: { ASCII.equalsIgnoringCase(name, $0.rawValue.utf8) }) else {
            return nil
        }
        self = command
    }
}
