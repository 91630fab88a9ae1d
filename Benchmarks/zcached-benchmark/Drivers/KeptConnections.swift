import ZCachedClient

/// The connections of one benchmark command, opened when a run first needs them and kept open
/// until the command ends, so runs never close a connection while the server is being measured.
///
/// Closing connections changes a real zcached: after a few pool-sized runs had each opened and
/// closed their own connections, one of its workers kept spinning at 100% of a core (PROTOCOL.md
/// §4.2), so every later run, raw or SDK, measured a server with one core fewer. With
/// connections kept, a whole `goals` run closes nothing until its last figure is in, and then
/// closes the newest connections first, the order that does not silence older ones.
///
/// Runs borrow connections one at a time, never concurrently, which the actor enforces anyway.
actor KeptConnections {
    /// What an SDK client is configured with, and how it is used; runs that agree on it share
    /// one client.
    ///
    /// Runs that pipeline get clients of their own: once a link has had more than one request in
    /// flight, the SDK sends a sentinel with every request for the rest of the link's life
    /// (`ZCachedRequestPipeline`), so a strict run on a link that a pipelined run used would pay
    /// for a sentinel per request that no strict user pays.
    private struct ClientShape: Hashable {
        var connections: Int
        var rearmsQuickAck: Bool
        var pipelines: Bool
    }

    private let target: BenchmarkTarget
    /// Raw sockets in the order they were opened.
    private var rawSockets: [RawSocketLoad] = []
    private var asyncClients: [ClientShape: ZCachedClient] = [:]
    private var blockingClients: [ClientShape: ZCachedBlockingClient] = [:]

    init(target: BenchmarkTarget) {
        self.target = target
    }

    /// The first `count` raw sockets, opening those not open yet, and replacing any that a
    /// run found broken (what it still holds unread would be taken for the next run's replies).
    /// - Throws: when a socket cannot be opened or never answers its `PING`.
    func raw(_ count: Int) throws -> [RawSocketLoad] {
        rawSockets.removeAll { $0.isBroken }
        while rawSockets.count < count {
            rawSockets.append(try RawSocketLoad(host: target.host, port: target.port))
        }
        return Array(rawSockets.prefix(count))
    }

    /// Closes every raw socket, newest first.
    private func closeRawSockets() {
        while !rawSockets.isEmpty { rawSockets.removeLast() }
    }

    /// The connected async client with `connections` connections, for runs that pipeline or not.
    /// - Throws: ``ZCachedError`` when it cannot connect.
    func async(connections: Int, rearmsQuickAck: Bool, pipelines: Bool) async throws -> ZCachedClient {
        let shape = ClientShape(connections: connections, rearmsQuickAck: rearmsQuickAck, pipelines: pipelines)
        if let client = asyncClients[shape] { return client }
        let client = ZCachedClient(configuration: target.clientConfiguration(connections: connections, rearmsQuickAck: rearmsQuickAck))
        try await client.connect()
        asyncClients[shape] = client
        return client
    }

    /// The blocking client with `connections` connections, for runs that pipeline or not.
    /// - Throws: ``ZCachedError`` when it cannot connect.
    func blocking(connections: Int, rearmsQuickAck: Bool, pipelines: Bool) throws -> ZCachedBlockingClient {
        let shape = ClientShape(connections: connections, rearmsQuickAck: rearmsQuickAck, pipelines: pipelines)
        if let client = blockingClients[shape] { return client }
        let client = try ZCachedBlockingClient(configuration: target.clientConfiguration(connections: connections, rearmsQuickAck: rearmsQuickAck))
        blockingClients[shape] = client
        return client
    }

    /// Closes everything: raw sockets newest first, then the clients, each of which closes its
    /// own connections newest first.
    func closeAll() async {
        closeRawSockets()
        for client in blockingClients.values { client.close() }
        blockingClients.removeAll()
        for client in asyncClients.values { await client.close() }
        asyncClients.removeAll()
    }
}
