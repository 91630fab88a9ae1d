import Testing
import ZCachedCore

@Suite struct ZCachedValueTests {
    @Test func literalsMakeTheMatchingCases() {
        let text: ZCachedValue = "x"
        let number: ZCachedValue = 42
        let double: ZCachedValue = 2.5
        let flag: ZCachedValue = true
        let null: ZCachedValue = nil
        let array: ZCachedValue = [1, "a", nil]
        let map: ZCachedValue = ["k": 1]
        #expect(text == .bulkString(Array("x".utf8)))
        #expect(number == .integer(42))
        #expect(double == .double(2.5))
        #expect(flag == .boolean(true))
        #expect(null == .null)
        #expect(array == .array([.integer(1), .bulkString(Array("a".utf8)), .null]))
        #expect(map == .map(ZCachedMap([ZCachedMap.Entry(key: "k", value: .integer(1))])))
    }

    @Test func nanEqualsNanSoStoredValuesCompareEqual() {
        #expect(ZCachedValue.double(.nan) == .double(.nan))
        #expect(Set([ZCachedValue.double(.nan), .double(.nan)]).count == 1)
        #expect(ZCachedValue.double(0) != .double(.nan))
    }

    @Test func stringReadsBulkAndSimpleStringsOnly() {
        #expect(ZCachedValue.bulkString("hé").string == "hé")
        #expect(ZCachedValue.simpleString("OK").string == "OK")
        #expect(ZCachedValue.integer(1).string == nil)
    }

    @Test func descriptionNeverShowsContents() {
        let secret: ZCachedValue = ["password": "hunter2", "list": ["hunter2"]]
        #expect(!secret.description.contains("hunter2"))
        #expect(secret.debugDescription.contains("hunter2"))
    }

    @Test func mapsCompareInOrderOrByEntries() {
        let first = ZCachedMap([("a", 1), ("b", 2)])
        let second = ZCachedMap([("b", 2), ("a", 1)])
        #expect(first != second)
        #expect(first.hasSameEntries(as: second))
        #expect(first["b"] == .integer(2))
        #expect(ZCachedMap([("a", 1), ("a", 2)]).dictionary == ["a": .integer(2)])
    }
}
