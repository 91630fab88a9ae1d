/// The coding keys the encoder and decoder make themselves: array indices and `super`.
struct ZCachedCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?
    /// Whether the key is an array index, shown as `[3]` in coding paths.
    let isIndex: Bool

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
        self.isIndex = false
    }

    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
        self.isIndex = false
    }

    /// The key of the element at `index` of an unkeyed container.
    init(index: Int) {
        self.stringValue = "Index \(index)"
        self.intValue = index
        self.isIndex = true
    }

    /// The key `superEncoder()` and `superDecoder()` use.
    static let `super` = ZCachedCodingKey(stringValue: "super")
}
