extension Result where Failure == ZCachedError {
    /// Runs an SDK call and captures its outcome instead of throwing, in the style of the
    /// Python client's `Result`.
    ///
    /// ```swift
    /// let result = await Result { () async throws(ZCachedError) in try await client.get("k") }
    /// switch result {
    /// case .success(let value): print(value as Any)
    /// case .failure(let error): print(error.code)
    /// }
    /// ```
    /// - Parameter body: The call to run.
    public init(catching body: () async throws(ZCachedError) -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }

    /// The value on success, `nil` on failure.
    public var value: Success? {
        if case .success(let value) = self { return value }
        return nil
    }

    /// The error on failure, `nil` on success.
    public var error: ZCachedError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
