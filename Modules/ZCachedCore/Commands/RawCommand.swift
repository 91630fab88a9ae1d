/// Any command, built by hand: a name and arguments sent in their own encodings.
///
/// Use it for commands this SDK has no type for. The response is the raw reply; an error
/// reply is thrown. The arguments pass the same checks as typed commands, plus guards
/// against inputs that crash the server (PROTOCOL.md §6):
/// - `GET`, `DELETE` and `SIZEOF` need a bulk-string key as their first argument (checked by
///   ``ZCachedRequestEncoder`` for every command);
/// - `COPY a a REPLACE` is refused;
/// - every argument must be storable (no empty strings, no `\r`, `\n`, `0x03`, no errors,
///   no empty maps).
public struct ZCachedRawCommand: ZCachedCommand {
    /// The command name, sent as a bulk string.
    public var name: String
    /// The arguments, each sent in its own type's encoding.
    public var arguments: [ZCachedValue]

    /// Makes a raw command.
    /// - Parameters:
    ///   - name: The command name.
    ///   - arguments: The arguments.
    public init(_ name: String, _ arguments: [ZCachedValue] = []) {
        self.name = name
        self.arguments = arguments
    }

    public var keyCount: Int { arguments.isEmpty ? 0 : 1 }

    public func encode(into encoder: inout ZCachedRequestEncoder) throws(ZCachedError) {
        try refuseCopyOntoItself()
        try encoder.writeCommand(name, argumentCount: arguments.count)
        for (index, argument) in arguments.enumerated() {
            try encoder.writeValue(argument, argument: "arguments[\(index)]")
        }
    }

    public func response(from reply: ZCachedValue) throws(ZCachedError) -> ZCachedValue {
        try reply.throwingServerError()
    }

    private func refuseCopyOntoItself() throws(ZCachedError) {
        // The encoder refuses the other crashing shapes (an empty request, a key of GET, DELETE
        // or SIZEOF that is not a bulk string) for every command.
        if name.uppercased() == "COPY", arguments.count >= 3, arguments[0] == arguments[1],
            arguments[2].string?.uppercased() == "REPLACE"
        {
            throw ZCachedError.invalidArgument(
                "COPY of a key onto itself with REPLACE is a use-after-free in the server",
                argument: "arguments[1]",
                key: arguments[0].string
            )
        }
    }
}
