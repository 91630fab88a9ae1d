import ZCachedCore

extension POSIXSocket {
    /// Sends the link check's `PING` on this freshly connected socket and waits for `+PONG`
    /// (``ZCachedConnectionConfiguration/verifiesNewLinks``). On failure the socket is closed.
    /// - Parameters:
    ///   - deadline: The connect attempt's deadline.
    ///   - wake: The descriptor that interrupts the wait when the connection is closed.
    /// - Throws: ``ConnectError/timedOut(_:)`` when no reply came before `deadline`,
    ///   ``ConnectError/failed(_:)`` when the reply was not `+PONG`, bytes followed it in the same
    ///   read, or the socket failed, and
    ///   ``ConnectError/woken`` when `wake` fired.
    func checkLink(deadline: ContinuousClock.Instant, wake: Int32) throws(ConnectError) {
        do throws(ConnectError) {
            try exchangeLinkCheck(deadline: deadline, wake: wake)
        } catch {
            close()
            throw error
        }
    }

    private func exchangeLinkCheck(deadline: ContinuousClock.Instant, wake: Int32) throws(ConnectError) {
        // An empty send buffer always takes the whole (15-byte) frame at once.
        let sent = ZCachedLinkCheck.frame.withUnsafeBytes { bytes in
            Result { () throws(POSIXSystemCallError) -> Int in try send(bytes) }
        }
        guard case .success(ZCachedLinkCheck.frame.count) = sent else {
            throw .failed(ZCachedLinkCheck.failure("writing it failed: \(sent)"))
        }
        var decoder = ZCachedReplyDecoder()
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            do throws(ZCachedError) {
                if let reply = try decoder.next() {
                    try ZCachedLinkCheck.check(reply)
                    // Bytes after it fit no request: the link's stream is not to be trusted.
                    guard decoder.bufferedByteCount == 0 else { throw ZCachedError.protocolViolation(ZCachedLinkCheck.unasked) }
                    return
                }
            } catch {
                throw .failed(ZCachedLinkCheck.failure(error.message))
            }
            let ready: WaitResult
            do throws(POSIXSystemCallError) {
                ready = try wait(for: POSIXSocket.readable, wake: wake, until: deadline)
            } catch {
                throw .failed(ZCachedLinkCheck.failure("waiting for its reply failed: \(error)"))
            }
            switch ready {
            case .ready: break
            case .timedOut: throw .timedOut(ZCachedLinkCheck.failure(ZCachedLinkCheck.silence))
            case .woken: throw .woken
            }
            let outcome = buffer.withUnsafeMutableBytes { bytes in
                Result { () throws(POSIXSystemCallError) -> Int? in try receiveWaiting(into: bytes) }
            }
            guard case .success(let received) = outcome else {
                throw .failed(ZCachedLinkCheck.failure("reading its reply failed: \(outcome)"))
            }
            guard let received else { continue }
            guard received > 0 else { throw .failed(ZCachedLinkCheck.failure("the server closed the link")) }
            buffer.withUnsafeBytes { decoder.append(UnsafeRawBufferPointer(rebasing: $0[..<received])) }
        }
    }
}
