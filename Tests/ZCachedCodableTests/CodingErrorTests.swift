import Foundation
import Testing
@testable import ZCachedCodable
import ZCachedCore

@Suite struct CodingErrorTests {
    struct Friend: Codable { var name: String }
    struct Group: Codable { var title: String; var friends: [Friend] }
    struct Wide: Codable { var big: UInt64 }
    struct Narrow: Codable { var small: Int8; var ratio: Float? }

    func encodingError(_ body: () throws -> ZCachedValue) -> EncodingError? {
        #expect(throws: EncodingError.self) { _ = try body() }
        do {
            _ = try body()
            return nil
        } catch {
            return error as? EncodingError
        }
    }

    func decodingError(_ body: () throws -> Any) -> DecodingError? {
        do {
            _ = try body()
            Issue.record("expected a DecodingError")
            return nil
        } catch let error as DecodingError {
            return error
        } catch {
            Issue.record("expected a DecodingError, got \(error)")
            return nil
        }
    }

    func describe(_ error: EncodingError?) -> (path: String, text: String)? {
        guard case .invalidValue(_, let context)? = error else { return nil }
        return (ZCachedCodingErrors.describe(context.codingPath), context.debugDescription)
    }

    /// A child holding its parent: the synthesized `encode(to:)` encodes the parent again, and
    /// again, so encoding must stop with an error instead of overflowing the stack.
    final class TreeNode: Codable {
        var name: String
        var children: [TreeNode] = []
        weak var parent: TreeNode?
        init(name: String) { self.name = name }
    }

    @Test func aReferenceCycleIsRefusedInsteadOfRecursingForever() throws {
        let root = TreeNode(name: "root")
        let child = TreeNode(name: "child")
        child.parent = root
        root.children = [child]
        let error = encodingError { try ZCachedValueEncoder().encode(root) }
        guard case .invalidValue(_, let context) = error else { Issue.record("\(String(describing: error))"); return }
        #expect(context.debugDescription.contains("nests deeper than \(ZCachedValueEncoder.deepestNesting) levels"), "\(context.debugDescription)")
        // A tree within the limit still encodes.
        child.parent = nil
        #expect(try ZCachedValueEncoder().encode(root) != .null)
    }

    @Test(arguments: ["", "a\nb", "a\rb", "a\u{3}b"])
    func unstorableStringsAreRefusedNamingTheField(_ bad: String) throws {
        let group = Group(title: "ok", friends: [Friend(name: "fine"), Friend(name: bad)])
        let described = describe(encodingError { try ZCachedValueEncoder().encode(group) })
        #expect(described?.path == "friends[1].name")
        #expect(described?.text.hasPrefix("friends[1].name: the string ") == true)
        #expect(described?.text.contains("escaped") == true)
    }

    @Test func unstorableDictionaryKeysAreRefusedNamedWithControlCharactersEscaped() throws {
        // A dictionary key is data, and the message is logged: a raw line feed in it could forge
        // a log line.
        let described = describe(encodingError { try ZCachedValueEncoder().encode(["a\nb\u{3}": 1]) })
        #expect(described?.path == #"a\nb\u{03}"#)
        #expect(described?.text.contains("\n") == false)
        let long = String(repeating: "k", count: 100) + "\n"
        let cut = describe(encodingError { try ZCachedValueEncoder().encode([long: 1]) })
        #expect(cut?.path == String(repeating: "k", count: 64) + "…")
    }

    struct TextKey: CodingKey {
        var stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    /// A nested container's key cannot be refused when it is asked for (the API does not
    /// throw); it must still be refused by `encode`, naming the field, not later at send time.
    @Test func anUnstorableKeyOfANestedContainerIsRefusedNamingTheField() throws {
        struct NestedUnderBadKey: Encodable {
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: TextKey.self)
                var nested = container.nestedContainer(keyedBy: TextKey.self, forKey: TextKey(stringValue: "a\nb"))
                try nested.encode(1, forKey: TextKey(stringValue: "x"))
            }
        }
        #expect(describe(encodingError { try ZCachedValueEncoder().encode(NestedUnderBadKey()) })?.path == #"a\nb"#)
    }

    /// A single value written over a container would drop what the container holds.
    @Test func aSingleValueAfterAContainerInOnePlaceIsRefused() throws {
        struct ValueOverMap: Encodable {
            func encode(to encoder: any Encoder) throws {
                var keyed = encoder.container(keyedBy: TextKey.self)
                try keyed.encode(1, forKey: TextKey(stringValue: "kept"))
                var single = encoder.singleValueContainer()
                try single.encode(2)
            }
        }
        #expect(describe(encodingError { try ZCachedValueEncoder().encode(ValueOverMap()) })?.text.contains("single value after a container") == true)
    }

    @Test func integersBeyondInt64AreRefused() throws {
        #expect(describe(encodingError { try ZCachedValueEncoder().encode(Wide(big: .max)) })?.path == "big")
    }

    @Test func typeMismatchNamesTheField() throws {
        let error = decodingError { try ZCachedValueDecoder().decode(Group.self, from: ["title": 1, "friends": .array([])]) }
        guard case .typeMismatch(_, let context)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(ZCachedCodingErrors.describe(context.codingPath) == "title")
        #expect(context.debugDescription.contains("found integer"))
    }

    @Test func aContainerOfTheWrongKindSaysWhatWasExpectedInTheCallersTerms() throws {
        let notAMap = decodingError { try ZCachedValueDecoder().decode(Group.self, from: ["title": "t", "friends": .array([.integer(1)])]) }
        guard case .typeMismatch(_, let mapContext)? = notAMap else { Issue.record("got \(String(describing: notAMap))"); return }
        #expect(mapContext.debugDescription == "friends[0]: expected a map (a struct or dictionary), found integer")
        let notAnArray = decodingError { try ZCachedValueDecoder().decode(Group.self, from: ["title": "t", "friends": "x"]) }
        guard case .typeMismatch(_, let arrayContext)? = notAnArray else { Issue.record("got \(String(describing: notAnArray))"); return }
        #expect(arrayContext.debugDescription == "friends: expected an array or a set, found bulk string")
    }

    @Test func missingRequiredFieldIsKeyNotFound() throws {
        let error = decodingError { try ZCachedValueDecoder().decode(Group.self, from: ["title": "t", "friends": .array([.map(["nom": "x"])])]) }
        guard case .keyNotFound(let key, let context)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(key.stringValue == "name")
        #expect(ZCachedCodingErrors.describe(context.codingPath) == "friends[0]")
    }

    @Test func tooFewElementsIsValueNotFound() throws {
        let error = decodingError { try ZCachedValueDecoder().decode([Int].self, from: .integer(1)) }
        guard case .typeMismatch? = error else { Issue.record("got \(String(describing: error))"); return }
        let short = decodingError {
            var container = try ZCachedDecoderImplementation(value: .array([]), codingPath: [], options: ZCachedValueDecoder().options).unkeyedContainer()
            return try container.decode(Int.self)
        }
        guard case .valueNotFound? = short else { Issue.record("got \(String(describing: short))"); return }
    }

    @Test func outOfRangeNumbersAreDataCorrupted() throws {
        let small = decodingError { try ZCachedValueDecoder().decode(Narrow.self, from: ["small": 300]) }
        guard case .dataCorrupted(let context)? = small else { Issue.record("got \(String(describing: small))"); return }
        #expect(ZCachedCodingErrors.describe(context.codingPath) == "small")
        let float = decodingError { try ZCachedValueDecoder().decode(Narrow.self, from: ["small": 1, "ratio": .double(1e300)]) }
        guard case .dataCorrupted? = float else { Issue.record("got \(String(describing: float))"); return }
    }

    @Test(arguments: [
        (ZCachedValue.bulkString("not base64!"), "Data"),
        (.bulkString("~%zz"), "escaped String"),
        (.bulkString("yesterday"), "iso8601 Date"),
        (.bulkString("http://[bad"), "URL"),
    ])
    func malformedSpecialValuesAreDataCorrupted(_ value: ZCachedValue, _ kind: String) throws {
        let error = decodingError { () throws -> Any in
            switch kind {
            case "Data": try ZCachedValueDecoder().decode(Data.self, from: value)
            case "escaped String": try ZCachedValueDecoder(stringStrategy: .escaped).decode(String.self, from: value)
            case "iso8601 Date": try ZCachedValueDecoder(dateStrategy: .iso8601).decode(Date.self, from: value)
            default: try ZCachedValueDecoder().decode(URL.self, from: value)
            }
        }
        guard case .dataCorrupted? = error else { Issue.record("got \(String(describing: error))"); return }
    }
}
