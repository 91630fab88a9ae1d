import Foundation
import Testing
import ZCachedClient
@testable import ZCachedCodable
import ZCachedCore
import ZCachedTesting

struct User: Codable, Equatable {
    enum Role: String, Codable { case admin, guest }
    var name: String
    var age: Int
    var role: Role
    var nickname: String?
    var tags: [String]
}

extension ZCachedKey where Value == User {
    static func user(_ id: Int) -> Self { Self("codable-user:\(id):\(ObjectIdentifier(ZCachedKeyTag.self).hashValue)") }
}

/// Keeps the typed keys of different runs of the suite apart.
enum ZCachedKeyTag {}

enum CodableClientSupport {
    static func configuration(_ endpoint: ZCachedTestEndpoint) -> ZCachedConfiguration {
        ZCachedConfiguration(host: endpoint.host, port: endpoint.port, poolSize: 1)
    }

    static func uniquePrefix(_ name: String) -> String {
        "\(name):\(UInt64.random(in: 0...UInt64.max))"
    }

    static func withAsyncClient(_ body: (ZCachedClient) async throws -> Void) async throws {
        try await ZCachedTestEndpoint.with(
            opening: { endpoint in
                let client = ZCachedClient(configuration: configuration(endpoint))
                try await client.connect()
                return client
            },
            closing: { await $0.close() },
            { client, _ in try await body(client) }
        )
    }

    static func withBlockingClient(_ body: (ZCachedBlockingClient) throws -> Void) async throws {
        try await ZCachedTestEndpoint.with(
            opening: { try ZCachedBlockingClient(configuration: configuration($0)) },
            closing: { $0.close() },
            { client, _ in try body(client) }
        )
    }
}

@Suite struct AsyncClientCodableTests {
    let ann = User(name: "Ann", age: 31, role: .admin, nickname: nil, tags: ["a", "b"])

    @Test func wholeValueRoundTripsAndMissingKeyIsNil() async throws {
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("whole")
            try await client.set(p, encoding: ann)
            #expect(try await client.get(p, decoding: User.self) == ann)
            #expect(try await client.get("\(p):missing", decoding: User.self) == nil)
            var generator = SeededGenerator(seed: 7)
            let encoder = ZCachedValueEncoder(stringStrategy: .escaped)
            let decoder = ZCachedValueDecoder(stringStrategy: .escaped)
            for index in 0..<30 {
                let sample = Sample.random(using: &generator, safeStrings: false)
                try await client.set("\(p):\(index)", encoding: sample, encoder: encoder)
                #expect(try await client.get("\(p):\(index)", decoding: Sample.self, decoder: decoder) == sample)
            }
        }
    }

    @Test func payloadlessEnumCasesAndEmptyDictionariesGoThroughTheServer() async throws {
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("empty")
            let job = ValueEncoderTests.Job(state: .idle, headers: [:], extra: .init())
            try await client.set(p, encoding: job)
            #expect(try await client.get(p, decoding: ValueEncoderTests.Job.self) == job)
        }
    }

    @Test func encodingAndDecodingFailuresBecomeZCachedErrorsNamingTheField() async throws {
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("errors")
            var bad = ann
            bad.tags = ["ok", "a\nb"]
            let refused = await #expect(throws: ZCachedError.self) { try await client.set(p, encoding: bad) }
            #expect(refused?.code == .invalidArgument)
            #expect(refused?.message.contains("tags[1]") == true)
            #expect(try await client.get(p) == nil)
            try await client.set(p, ["name": "Ann"] as ZCachedValue)
            let undecodable = await #expect(throws: ZCachedError.self) { try await client.get(p, decoding: User.self) }
            #expect(undecodable?.code == .unexpectedReply)
            #expect(undecodable?.message.contains("age is missing") == true)
            #expect(undecodable?.key == p)
        }
    }

    @Test func typedKeysReadAndWriteThroughTheCompiler() async throws {
        try await CodableClientSupport.withAsyncClient { client in
            try await client.set(.user(1), ann)
            #expect(try await client.get(.user(1)) == ann)
            #expect(try await client[.user(1)] == ann)
            #expect(try await client[.user(999_999)] == nil)
            var bo = ann
            bo.name = "Bo"
            try await client.set(.user(2), bo)
            let many = try await client.get(many: [.user(1), .user(2), .user(999_999)])
            #expect(many == [.user(1): ann, .user(2): bo])
            #expect(try await client.get(many: [ZCachedKey<User>]()).isEmpty)
        }
    }

    @Test func fieldPerKeyStoresOneKeyPerFieldAndLoadsThemBack() async throws {
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("fields")
            var stored = ann
            stored.nickname = "A"
            try await client.store(stored, prefix: p)
            #expect(try await client.get("\(p):name") == .bulkString("Ann"))
            #expect(try await client.get("\(p):age") == .integer(31))
            #expect(try await client.load(User.self, prefix: p) == stored)
            // A nil field overwrites the old value with null and reads back as nil.
            try await client.store(ann, prefix: p)
            #expect(try await client.load(User.self, prefix: p) == ann)
            #expect(try await client.load(User.self, prefix: "\(p):absent") == nil)
            try await client.store(ann, prefix: "\(p)/slash", separator: "/")
            #expect(try await client.get("\(p)/slash/role") == .bulkString("admin"))
            #expect(try await client.load(User.self, prefix: "\(p)/slash", separator: "/") == ann)
        }
    }

    /// A hand-written `init(from:)` may read an optional with `decode(T?.self, forKey:)`; its
    /// stored null comes back from MGET as absent, and must still read as nil.
    @Test func aNilFieldReadWithDecodeOfAnOptionalLoadsBackAsNil() async throws {
        struct Profile: Codable, Equatable {
            var name: String
            var nick: String?
            var title: String?
            enum CodingKeys: String, CodingKey { case name, nick, title }
            init(name: String, nick: String?, title: String?) {
                self.name = name
                self.nick = nick
                self.title = title
            }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                name = try container.decode(String.self, forKey: .name)
                nick = try container.decode(String?.self, forKey: .nick)
                title = try container.decodeNil(forKey: .title) ? nil : try container.decode(String.self, forKey: .title)
            }
        }
        /// Not an `Optional`, though `nil` can be written for it: a missing one is missing.
        struct Marker: Codable, Equatable, ExpressibleByNilLiteral {
            var text: String
            init(text: String) { self.text = text }
            init(nilLiteral: ()) { text = "" }
        }
        struct Tagged: Codable, Equatable {
            var name: String
            var marker: Marker
        }
        /// Not an `Optional` either, but it encodes and decodes `nil` itself.
        enum Note: Codable, Equatable, ExpressibleByNilLiteral {
            case nothing, text(String)
            init(nilLiteral: ()) { self = .nothing }
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                self = container.decodeNil() ? .nothing : .text(try container.decode(String.self))
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                switch self {
                case .nothing: try container.encodeNil()
                case .text(let text): try container.encode(text)
                }
            }
        }
        struct Noted: Codable, Equatable {
            var name: String
            var note: Note
        }
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("nilfield")
            let profile = Profile(name: "Ann", nick: nil, title: nil)
            try await client.store(profile, prefix: p)
            #expect(try await client.load(Profile.self, prefix: p) == profile)
            try await client.store(Tagged(name: "t", marker: Marker(text: "m")), prefix: "\(p):tagged")
            try await client.delete("\(p):tagged:marker")
            let missing = await #expect(throws: ZCachedError.self) { try await client.load(Tagged.self, prefix: "\(p):tagged") }
            #expect(missing?.code == .unexpectedReply)
            let noted = Noted(name: "n", note: nil)
            try await client.store(noted, prefix: "\(p):noted")
            #expect(try await client.load(Noted.self, prefix: "\(p):noted") == noted)
            let single = await #expect(throws: ZCachedError.self) { try await client.store(Duration.seconds(5), prefix: "\(p):duration") }
            #expect(single?.code == .invalidArgument)
        }
    }

    /// The probe hands each field a placeholder; `UUID` decodes from a string, and the empty
    /// one it once got stopped the probe, costing an MGET round per later field.
    @Test func aUUIDFieldDoesNotStopTheFieldProbe() async throws {
        struct Order: Codable, Equatable {
            var id: UUID
            var total: Double
            var note: String
        }
        #expect(ZCachedFieldProbe.fields(of: Order.self, options: ZCachedValueDecoder().options) == ["id", "total", "note"])
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("uuid")
            let order = Order(id: UUID(), total: 9.5, note: "n")
            try await client.store(order, prefix: p)
            #expect(try await client.get("\(p):id") == .bulkString(order.id.uuidString))
            #expect(try await client.load(Order.self, prefix: p) == order)
        }
    }

    @Test func aSubclassStoredFieldPerKeyLoadsBackWithItsSuperclass() async throws {
        // The superclass's fields travel under `super`, which the probe must ask for.
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("subclass")
            try await client.store(CodingKeyAndSuperTests.Dog(name: "Rex", legs: 4), prefix: p)
            let loaded = try #require(try await client.load(CodingKeyAndSuperTests.Dog.self, prefix: p))
            #expect(loaded.name == "Rex")
            #expect(loaded.legs == 4)
        }
    }

    @Test func fieldPerKeyMissingRequiredFieldNamesTheKey() async throws {
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("partial")
            try await client.store(ann, prefix: p)
            try await client.delete("\(p):age")
            let error = await #expect(throws: ZCachedError.self) { try await client.load(User.self, prefix: p) }
            #expect(error?.code == .unexpectedReply)
            #expect(error?.message.contains("age is missing") == true)
            #expect(error?.key == "\(p):age")
            let notKeyed = await #expect(throws: ZCachedError.self) { try await client.store([1, 2], prefix: p) }
            #expect(notKeyed?.code == .invalidArgument)
        }
    }

    @Test func aDictionaryStoredFieldPerKeyCannotBeLoadedAndSaysSo() async throws {
        // Its fields are its keys, which a load cannot know: refused, not read as "nothing stored".
        try await CodableClientSupport.withAsyncClient { client in
            let p = CodableClientSupport.uniquePrefix("dictionary")
            try await client.store(["a": 1, "b": 2], prefix: p)
            #expect(try await client.get("\(p):b") == .integer(2))
            let error = await #expect(throws: ZCachedError.self) { try await client.load([String: Int].self, prefix: p) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("fixed coding keys") == true)
        }
    }
}

@Suite struct BlockingClientCodableTests {
    let ann = User(name: "Ann", age: 31, role: .guest, nickname: "an", tags: [])

    @Test func everyCodableCommandWorks() async throws {
        let ann = self.ann
        try await CodableClientSupport.withBlockingClient { client in
            let p = CodableClientSupport.uniquePrefix("blocking")
            try client.set(p, encoding: ann)
            #expect(try client.get(p, decoding: User.self) == ann)
            try client.set(.user(3), ann)
            #expect(try client[.user(3)] == ann)
            #expect(try client.get(many: [.user(3), .user(999_998)]) == [.user(3): ann])
            try client.store(ann, prefix: "\(p):f")
            #expect(try client.load(User.self, prefix: "\(p):f") == ann)
            let error = #expect(throws: ZCachedError.self) { try client.set(p, encoding: User(name: "", age: 1, role: .guest, tags: [])) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("name") == true)
        }
    }
}
