import NIOCore
import NIOPosix
import NIOSSL
import ZCachedCore

/// Opens one channel to the server: TCP with TCP_NODELAY, optional TLS 1.3, and the zcached
/// handler, ready to take requests.
enum ZCachedChannelFactory {
    /// Connects, and returns once the link may take requests.
    /// - Parameters:
    ///   - configuration: The connection's settings.
    ///   - eventLoop: The loop the channel runs on.
    ///   - linkDown: Called once, on `eventLoop`, when the link stops serving requests (see
    ///     ``ZCachedChannelHandler``), also for a link that fails before it is returned.
    /// - Throws: ``ZCachedError/Code/connectFailed``.
    static func makeChannel(
        configuration: ZCachedConnectionConfiguration,
        eventLoop: any EventLoop,
        linkDown: ZCachedChannelHandler.LinkDownHandler? = nil,
        windowGauge: ZCachedWindowGauge = ZCachedWindowGauge()
    ) async throws(ZCachedError) -> (any Channel, NIOLoopBound<ZCachedChannelHandler>) {
        let target = "\(configuration.host):\(configuration.port)"
        do {
            let sslContext = try configuration.tls.map { try makeSSLContext($0, closingWithin: configuration.tlsCloseTimeout) }
            var bootstrap = ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            if let bufferSize = configuration.bufferSize {
                bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(bufferSize))
            }
            // Kept here, not looked up in the pipeline later: a link that fails at once (its
            // link check answered wrongly, say) leaves the pipeline before the lookup could run.
            let installed = NIOLoopBoundBox<ZCachedChannelHandler?>.makeEmptyBox(eventLoop: eventLoop)
            let channel = try await bootstrap.channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let sslContext, let tls = configuration.tls {
                        let handler = try NIOSSLClientHandler(context: sslContext, serverHostname: tls.serverHostname ?? configuration.host)
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    let ready = channel.eventLoop.makePromise(of: Void.self)
                    let handler = ZCachedChannelHandler(
                        configuration: configuration,
                        readyPromise: ready,
                        linkDown: linkDown,
                        windowGauge: windowGauge
                    )
                    installed.value = handler
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }.connect(host: configuration.host, port: configuration.port).get()
            let handler = try await channel.eventLoop.submit {
                guard let handler = installed.value else { throw ChannelPipelineError.notFound }
                return NIOLoopBound(handler, eventLoop: channel.eventLoop)
            }.get()
            try await waitUntilReady(channel: channel, handler: handler, timeout: configuration.connectTimeout)
            return (channel, handler)
        } catch let error as ZCachedError {
            throw ZCachedError(code: .connectFailed, message: "could not connect to \(target): \(error.message)")
        } catch {
            throw ZCachedError(code: .connectFailed, message: "could not connect to \(target): \(error)")
        }
    }

    /// Waits for the handler to be ready (TLS handshake, link check), closing the channel on
    /// timeout or when the waiting task is cancelled (the connection's owner closed it).
    private static func waitUntilReady(channel: any Channel, handler: NIOLoopBound<ZCachedChannelHandler>, timeout: Duration) async throws {
        let ready = try await channel.eventLoop.submit { handler.value.ready }.get()
        // Set and read on the channel's loop, so a link that became ready just in time stays open.
        let settled = NIOLoopBoundBox.makeBoxSendingValue(false, eventLoop: channel.eventLoop)
        ready.whenComplete { _ in settled.value = true }
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            if !settled.value { handler.value.readinessTimedOut() }
        }
        defer { timer.cancel() }
        do {
            try await withTaskCancellationHandler {
                try await ready.get()
            } onCancel: {
                channel.close(promise: nil)
            }
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }

    private static func makeSSLContext(
        _ tls: ZCachedConnectionConfiguration.TLS,
        closingWithin closeTimeout: Duration
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv13
        configuration.shutdownTimeout = TimeAmount(closeTimeout)
        if !tls.trustRootPEMFiles.isEmpty {
            configuration.trustRoots = .file(tls.trustRootPEMFiles[0])
            configuration.additionalTrustRoots = tls.trustRootPEMFiles.dropFirst().map { .file($0) }
        }
        if !tls.verifiesCertificate { configuration.certificateVerification = .none }
        return try NIOSSLContext(configuration: configuration)
    }
}
