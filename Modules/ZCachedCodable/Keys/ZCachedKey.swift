/// A key whose value has a known type, so reads and writes through it are checked by the
/// compiler.
///
/// Declare keys as static members:
/// ```swift
/// extension ZCachedKey where Value == User {
///     static func user(_ id: Int) -> Self { Self("user:\(id)") }
/// }
/// try await client.set(.user(42), user)
/// let user = try await client.get(.user(42))   // User?
/// ```
/// The value is stored whole under ``name`` with ``ZCachedValueEncoder``.
public struct ZCachedKey<Value: Codable>: Hashable, Sendable, CustomStringConvertible {
    /// The key as the server sees it.
    public let name: String

    /// Makes a typed key.
    /// - Parameter name: The key as the server sees it; checked when it is sent.
    public init(_ name: String) {
        self.name = name
    }

    /// The key's name.
    public var description: String { name }
}
