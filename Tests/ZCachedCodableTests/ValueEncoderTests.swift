import Foundation
import Testing
@testable import ZCachedCodable
import ZCachedCore

@Suite struct ValueEncoderTests {
    struct Person: Codable, Equatable {
        var name: String
        var age: Int
        var email: String?
        var friends: [Person]
    }

    let encoder = ZCachedValueEncoder()
    let decoder = ZCachedValueDecoder()

    func roundTrip<Value: Codable>(_ value: Value, encoder: ZCachedValueEncoder = ZCachedValueEncoder(), decoder: ZCachedValueDecoder = ZCachedValueDecoder()) throws -> Value {
        try decoder.decode(Value.self, from: encoder.encode(value))
    }

    enum JobState: Codable, Equatable { case idle, failed(String) }
    struct Nothing: Codable, Equatable {}
    struct Job: Codable, Equatable {
        var state: JobState
        var headers: [String: String]
        var extra: Nothing
    }

    /// The server refuses an empty map; `{"case": {}}` (an enum case without payload), an empty
    /// dictionary and an empty struct are stored as an empty array and read back.
    @Test func emptyMapsAndPayloadlessEnumCasesAreStoredAsEmptyArrays() throws {
        #expect(try encoder.encode([String: Int]()) == .array([]))
        #expect(try encoder.encode(JobState.idle) == .map(["idle": .array([])]))
        let job = Job(state: .idle, headers: [:], extra: Nothing())
        #expect(try roundTrip(job) == job)
        #expect(try roundTrip(JobState.failed("x")) == .failed("x"))
        #expect(try roundTrip([String: Int]()) == [:])
    }

    /// `Duration`'s own form, two halves of a 128-bit count, has a low half above `Int64.max`
    /// for 10 s or any negative duration; it is stored as a map of its components instead.
    @Test func durationsRoundTripExactly() throws {
        struct Job: Codable, Equatable { var timeout: Duration }
        #expect(try encoder.encode(Duration.seconds(30)) == .map(["seconds": 30, "attoseconds": 0]))
        for duration: Duration in [.seconds(30), .seconds(-1.5), .nanoseconds(1), .zero, .seconds(Int64.max), .seconds(Int64.min)] {
            #expect(try roundTrip(Job(timeout: duration)) == Job(timeout: duration))
        }
        // Beyond Int64.max seconds the components do not fit: refused, not a trap.
        #expect(throws: EncodingError.self) { try encoder.encode(Duration.seconds(Int64.max) * 2) }
        // Duration's own form ([high, low]) is not misread as seconds and attoseconds.
        #expect(throws: DecodingError.self) { try decoder.decode(Duration.self, from: [1, 1_553_255_926_290_448_384]) }
        #expect(throws: DecodingError.self) { try decoder.decode(Duration.self, from: .map(["seconds": 1, "attoseconds": -5])) }
    }

    @Test func primitivesMapToTheServersTypes() throws {
        #expect(try encoder.encode(42) == .integer(42))
        #expect(try encoder.encode(Int8(-3)) == .integer(-3))
        #expect(try encoder.encode(UInt64(7)) == .integer(7))
        #expect(try encoder.encode(2.5) == .double(2.5))
        #expect(try encoder.encode(Float(1.5)) == .double(1.5))
        #expect(try encoder.encode(Double.nan) == .double(.nan))
        #expect(try encoder.encode(-Double.infinity) == .double(-.infinity))
        #expect(try encoder.encode(true) == .boolean(true))
        #expect(try encoder.encode("hi") == .bulkString("hi"))
        #expect(try encoder.encode(Int?.none) == .null)
        #expect(try encoder.encode([1, 2]) == .array([.integer(1), .integer(2)]))
        #expect(try encoder.encode(Set([3])) == .unorderedSet([.integer(3)]))
        #expect(try encoder.encode(["a": 1]) == .map(["a": .integer(1)]))
        #expect(try encoder.encode([5: "x"]) == .map(["5": .bulkString("x")]))
    }

    @Test func structsBecomeMapsInFieldOrderWithNilStoredAsNull() throws {
        let value = try encoder.encode(Person(name: "Ann", age: 30, email: nil, friends: []))
        #expect(value == .map(["name": .bulkString("Ann"), "age": .integer(30), "email": .null, "friends": .array([])]))
    }

    @Test func nestedTypesRoundTrip() throws {
        let person = Person(name: "Ann", age: 30, email: "a@b.c", friends: [Person(name: "Bo", age: 2, email: nil, friends: [])])
        #expect(try roundTrip(person) == person)
        #expect(try roundTrip([[1, 2], [], [3]]) == [[1, 2], [], [3]])
        #expect(try roundTrip(["x": ["y": [true]]]) == ["x": ["y": [true]]])
        #expect(try roundTrip([7: "seven"]) == [7: "seven"])
        #expect(try roundTrip([Int?.none, 1]) == [nil, 1])
        #expect(try roundTrip(Set(["a", "b"])) == Set(["a", "b"]))
    }

    @Test func readsWhatTheServerMaySendBack() throws {
        #expect(try decoder.decode(String.self, from: .simpleString("s")) == "s")
        #expect(try decoder.decode(Double.self, from: .integer(3)) == 3)
        #expect(try decoder.decode(Set<Int>.self, from: .orderedSet([.integer(1)])) == [1])
        #expect(try decoder.decode(Person.self, from: .map(["name": "A", "age": 1, "friends": .array([])])).email == nil)
    }

    @Test func generatedValuesRoundTripWithEveryStringAndDateStrategy() throws {
        for dateStrategy in [ZCachedDateStrategy.secondsSince1970, .millisecondsSince1970, .iso8601] {
            for stringStrategy in [ZCachedStringStrategy.refuse, .escaped] {
                var generator = SeededGenerator(seed: 0x5EED)
                let encoder = ZCachedValueEncoder(stringStrategy: stringStrategy, dateStrategy: dateStrategy)
                let decoder = ZCachedValueDecoder(stringStrategy: stringStrategy, dateStrategy: dateStrategy)
                for _ in 0..<150 {
                    let sample = Sample.random(using: &generator, safeStrings: stringStrategy == .refuse)
                    let stored = try encoder.encode(sample)
                    #expect(throws: Never.self) { try ZCachedValidation.checkStorable(stored, argument: "value") }
                    #expect(try decoder.decode(Sample.self, from: stored) == sample)
                }
            }
        }
    }
}

@Suite struct StrategyTests {
    @Test func escapingRestoresEveryStringAndProducesOnlyStorableStrings() throws {
        var generator = SeededGenerator(seed: 42)
        let fixed = ["", "~", "~~", "%", "%25", "~%0A", "a\nb", "\r\n\u{3}", "100%", "plain", "~x", "é🙂"]
        for text in fixed + (0..<2000).map({ _ in generator.string(maxLength: 8) }) {
            let stored = ZCachedStringEscaping.escape(text)
            #expect(ZCachedValidation.problem(inString: stored.utf8) == nil, "\(text.debugDescription) → \(stored.debugDescription)")
            #expect(ZCachedStringEscaping.unescape(stored) == text)
        }
        #expect(ZCachedStringEscaping.escape("plain") == "plain")
        #expect(ZCachedStringEscaping.escape("") == "~")
        #expect(ZCachedStringEscaping.escape("a\nb") == "~a%0Ab")
        #expect(ZCachedStringEscaping.escape("~x") == "~~x")
    }

    @Test func escapedStrategyAppliesToDictionaryKeys() throws {
        let encoder = ZCachedValueEncoder(stringStrategy: .escaped)
        let decoder = ZCachedValueDecoder(stringStrategy: .escaped)
        let value = ["": "", "line\nbreak": "x"]
        let stored = try encoder.encode(value)
        #expect(throws: Never.self) { try ZCachedValidation.checkStorable(stored, argument: "value") }
        #expect(try decoder.decode([String: String].self, from: stored) == value)
    }

    @Test func dataIsBase64AndEmptyDataAnEmptyArray() throws {
        let encoder = ZCachedValueEncoder()
        #expect(try encoder.encode(Data([1, 2, 3])) == .bulkString("AQID"))
        #expect(try encoder.encode(Data()) == .array([]))
        #expect(try ZCachedValueDecoder().decode(Data.self, from: .array([])) == Data())
    }

    @Test func datesFollowTheirStrategy() throws {
        let date = Date(timeIntervalSince1970: 1_714_566_600.25)
        #expect(try ZCachedValueEncoder().encode(date) == .double(1_714_566_600.25))
        #expect(try ZCachedValueEncoder(dateStrategy: .millisecondsSince1970).encode(date) == .double(1_714_566_600_250))
        #expect(try ZCachedValueEncoder(dateStrategy: .iso8601).encode(date) == .bulkString("2024-05-01T12:30:00.250Z"))
        let iso = ZCachedValueDecoder(dateStrategy: .iso8601)
        #expect(try iso.decode(Date.self, from: .bulkString("2024-05-01T12:30:00Z")) == Date(timeIntervalSince1970: 1_714_566_600))
        #expect(try ZCachedValueDecoder(dateStrategy: .millisecondsSince1970).decode(Date.self, from: .integer(1500)) == Date(timeIntervalSince1970: 1.5))
    }

    /// Seconds since 1970, not `Date`s: Foundation's `Date.description`, which the test
    /// library calls on its arguments, traps on an infinite date.
    @Test(arguments: [
        -62_167_219_200, // the first second of year 0
        Date.distantPast.timeIntervalSince1970, // year 0
        Date.distantFuture.timeIntervalSince1970, // year 4001
        253_402_300_799.5, // the last second of 9999
    ])
    func datesOfYears0To9999RoundTripUnderISO8601(_ seconds: Double) throws {
        let stored = try ZCachedValueEncoder(dateStrategy: .iso8601).encode(Date(timeIntervalSince1970: seconds))
        let read = try ZCachedValueDecoder(dateStrategy: .iso8601).decode(Date.self, from: stored)
        #expect(abs(read.timeIntervalSince1970 - seconds) < 0.001, "\(stored) read back as \(read.timeIntervalSince1970)")
    }

    /// Such dates were written, and then could not be read back (or read back as another date).
    @Test(arguments: [-62_167_219_200.5 /* year -1 */, 253_402_300_800 /* year 10000 */, Double.infinity, -Double.infinity, Double.nan])
    func datesISO8601CannotReadBackAreRefusedBeforeWriting(_ seconds: Double) throws {
        let error = #expect(throws: EncodingError.self) {
            try ZCachedValueEncoder(dateStrategy: .iso8601).encode(Date(timeIntervalSince1970: seconds))
        }
        // Describable, as a logger would: it must not hold an infinite `Date`, whose description traps.
        #expect(String(describing: error).contains("outside the years 0 to 9999"))
    }

    @Test func urlsAreTheirAbsoluteString() throws {
        let url = URL(string: "https://example.com/a?b=c")!
        #expect(try ZCachedValueEncoder().encode(url) == .bulkString("https://example.com/a?b=c"))
        #expect(try ZCachedValueDecoder().decode(URL.self, from: .bulkString("https://example.com/a?b=c")) == url)
    }
}

@Suite struct CodingKeyAndSuperTests {
    enum NumberedKeys: Int, CodingKey { case first = 1, second = 2 }

    struct Numbered: Codable, Equatable {
        var first: String
        var second: Int

        init(first: String, second: Int) {
            self.first = first
            self.second = second
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: NumberedKeys.self)
            first = try container.decode(String.self, forKey: .first)
            second = try container.decode(Int.self, forKey: .second)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: NumberedKeys.self)
            try container.encode(first, forKey: .first)
            try container.encode(second, forKey: .second)
        }
    }

    class Animal: Codable {
        var legs: Int
        init(legs: Int) { self.legs = legs }
    }

    final class Dog: Animal {
        var name: String
        enum CodingKeys: CodingKey { case name }

        init(name: String, legs: Int) {
            self.name = name
            super.init(legs: legs)
        }

        required init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            try super.init(from: container.superDecoder())
        }

        override func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try super.encode(to: container.superEncoder())
        }
    }

    /// Writes through nested containers and an unkeyed super encoder.
    struct Manual: Codable, Equatable {
        var x: Int
        var ys: [String]
        enum Keys: String, CodingKey { case outer, inner, list, extra }

        init(x: Int, ys: [String]) {
            self.x = x
            self.ys = ys
        }

        init(from decoder: any Decoder) throws {
            let outer = try decoder.container(keyedBy: Keys.self).nestedContainer(keyedBy: Keys.self, forKey: .outer)
            x = try outer.decode(Int.self, forKey: .inner)
            var list = try outer.nestedUnkeyedContainer(forKey: .list)
            var ys: [String] = []
            while !list.isAtEnd { ys.append(try list.superDecoder().singleValueContainer().decode(String.self)) }
            self.ys = ys
        }

        func encode(to encoder: any Encoder) throws {
            var root = encoder.container(keyedBy: Keys.self)
            var outer = root.nestedContainer(keyedBy: Keys.self, forKey: .outer)
            try outer.encode(x, forKey: .inner)
            var list = outer.nestedUnkeyedContainer(forKey: .list)
            for y in ys {
                var single = list.superEncoder().singleValueContainer()
                try single.encode(y)
            }
        }
    }

    /// Asks twice for the nested container under one key, writing a field each time.
    struct SplitNested: Codable, Equatable {
        var x: Int
        var y: Int
        enum Keys: CodingKey { case meta }
        enum MetaKeys: CodingKey { case x, y }
        init(x: Int, y: Int) { self.x = x; self.y = y }
        init(from decoder: any Decoder) throws {
            let meta = try decoder.container(keyedBy: Keys.self).nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
            x = try meta.decode(Int.self, forKey: .x)
            y = try meta.decode(Int.self, forKey: .y)
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var first = container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
            try first.encode(x, forKey: .x)
            var second = container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
            try second.encode(y, forKey: .y)
        }
    }

    @Test func aNestedContainerAskedForTwiceKeepsWhatWasWrittenFirst() throws {
        // As JSONEncoder does: the second request reuses the container, it does not replace it.
        let stored = try ZCachedValueEncoder().encode(SplitNested(x: 1, y: 2))
        #expect(stored == .map(["meta": .map(["x": .integer(1), "y": .integer(2)])]))
        #expect(try ZCachedValueDecoder().decode(SplitNested.self, from: stored) == SplitNested(x: 1, y: 2))
    }

    /// Asks for a keyed, then an unkeyed container under one key.
    struct MixedNested: Encodable {
        enum Keys: CodingKey { case meta }
        enum MetaKeys: CodingKey { case x }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var keyed = container.nestedContainer(keyedBy: MetaKeys.self, forKey: .meta)
            try keyed.encode(1, forKey: .x)
            var unkeyed = container.nestedUnkeyedContainer(forKey: .meta)
            try unkeyed.encode(2)
        }
    }

    /// A subclass writes keyed fields, its superclass an array, into the same encoder.
    struct MixedTopLevel: Encodable {
        enum Keys: CodingKey { case name }
        func encode(to encoder: any Encoder) throws {
            var keyed = encoder.container(keyedBy: Keys.self)
            try keyed.encode("a", forKey: .name)
            var unkeyed = encoder.unkeyedContainer()
            try unkeyed.encode(1)
        }
    }

    @Test func containersOfTwoKindsInOnePlaceAreAnEncodingErrorNotATrap() throws {
        let nested = try #require(throws: EncodingError.self) { try ZCachedValueEncoder().encode(MixedNested()) }
        #expect("\(nested)".contains("meta: asked for an unkeyed container after encoding something else there"))
        #expect(throws: EncodingError.self) { try ZCachedValueEncoder().encode(MixedTopLevel()) }
    }

    @Test func intCodingKeysUseTheirStringValue() throws {
        let value = Numbered(first: "a", second: 2)
        let stored = try ZCachedValueEncoder().encode(value)
        #expect(stored == .map(["first": .bulkString("a"), "second": .integer(2)]))
        #expect(try ZCachedValueDecoder().decode(Numbered.self, from: stored) == value)
    }

    @Test func superEncoderStoresTheSuperclassUnderSuper() throws {
        let stored = try ZCachedValueEncoder().encode(Dog(name: "Rex", legs: 4))
        #expect(stored == .map(["name": .bulkString("Rex"), "super": .map(["legs": .integer(4)])]))
        let dog = try ZCachedValueDecoder().decode(Dog.self, from: stored)
        #expect(dog.name == "Rex" && dog.legs == 4)
    }

    @Test func nestedContainersAndUnkeyedSuperEncodersRoundTrip() throws {
        let value = Manual(x: 3, ys: ["p", "q"])
        let stored = try ZCachedValueEncoder().encode(value)
        #expect(stored == .map(["outer": .map(["inner": .integer(3), "list": .array([.bulkString("p"), .bulkString("q")])])]))
        #expect(try ZCachedValueDecoder().decode(Manual.self, from: stored) == value)
    }
}
