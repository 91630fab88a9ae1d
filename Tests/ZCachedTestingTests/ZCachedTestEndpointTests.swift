import Testing
import ZCachedTesting

/// How `ZCACHED_TEST_SERVER` is read. The variable itself is not set here: tests run in
/// parallel in one process, and the others would see it.
@Suite struct ZCachedTestEndpointTests {
    @Test(arguments: [
        ("127.0.0.1:7556", "127.0.0.1", 7556),
        ("cache.internal:1", "cache.internal", 1),
        ("[::1]:65535", "::1", 65535),
    ])
    func aWellFormedAddressNamesItsHostAndPort(value: String, host: String, port: Int) throws {
        let address = try #require(ZCachedTestEndpoint.address(parsing: value))
        #expect(address.host == host)
        #expect(address.port == port)
    }

    @Test(arguments: [
        "localhost", "localhost:", ":7556", "[]:7556", "localhost:0", "localhost:65536", "localhost:port", "localhost:7556 ",
        "localhost:+80", "::1", "fe80::1", "::1:7556", "[::1:80", "::1]:80", "[[::1]]:80",
    ])
    func aMalformedAddressIsRefused(value: String) {
        #expect(ZCachedTestEndpoint.address(parsing: value) == nil, "\(value)")
    }
}
