import ZCachedCore
import ZCachedTesting

/// One request frame: an array of bulk strings followed by `0x03`.
func frame(_ parts: String...) -> [UInt8] {
    frame(parts)
}

/// One request frame: an array of bulk strings followed by `0x03`.
func frame(_ parts: [String]) -> [UInt8] {
    var bytes = Array("*\(parts.count)\r\n".utf8)
    for part in parts {
        bytes += Array("$\(part.utf8.count)\r\n\(part)\r\n".utf8)
    }
    bytes.append(0x03)
    return bytes
}

/// The bytes of a reply as text, `0x03` included, for readable comparisons.
func reply(_ text: String) -> [UInt8] {
    Array(text.utf8) + [0x03]
}

/// Runs `body` against a fresh server and shuts the server down afterwards.
func withServer<Result>(
    configuration: ZCachedTestServer.Configuration = .init(),
    _ body: (ZCachedTestServer) async throws -> Result
) async throws -> Result {
    let server = try await ZCachedTestServer.start(configuration: configuration)
    do {
        let result = try await body(server)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}

extension ZCachedTestServer {
    /// A new raw connection to the server.
    func connect() throws -> RawTestConnection {
        try RawTestConnection(host: host, port: port)
    }
}

extension RawTestConnection {
    /// Sends one request and returns its reply.
    func roundTrip(_ request: [UInt8]) throws -> [UInt8] {
        try send(request)
        return try receiveReplies(1)
    }
}

extension ZCachedReplyDecoder {
    /// The one reply `bytes` hold.
    static func decodeOne(_ bytes: [UInt8]) throws -> ZCachedValue {
        var decoder = ZCachedReplyDecoder()
        decoder.append(contentsOf: bytes)
        guard let value = try decoder.next() else { throw ZCachedError.protocolViolation("an incomplete reply") }
        return value
    }
}
