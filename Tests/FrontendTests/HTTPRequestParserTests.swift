import Frontend
import Reactor
import Testing

/// The request parser is where smuggling is stopped and where uploads are split from their
/// framing: each test feeds wire bytes and checks what a client would see happen.
@Suite struct HTTPRequestParserTests {
    private func buffer(_ text: String) -> Buffer {
        let buffer = Buffer()
        buffer.append(text)
        return buffer
    }

    private func head(_ text: String, limits: HTTPRequestParser.Limits = .init()) throws -> HTTPRequestHead? {
        var parser = HTTPRequestParser(limits: limits)
        return try parser.readHead(from: buffer(text))
    }

    private func refusal(_ text: String, limits: HTTPRequestParser.Limits = .init()) -> HTTPRequestError? {
        var parser = HTTPRequestParser(limits: limits)
        do {
            _ = try parser.readHead(from: buffer(text))
            return nil
        } catch {
            return error
        }
    }

    @Test func aSimpleGetIsReadWithItsPathQueryAndHeaders() throws {
        let parsed = try #require(try head("GET /v1/orders/7?view=full&x=1 HTTP/1.1\r\nHost: a\r\nX-Trace-ID:  abc \r\n\r\n"))
        #expect(parsed.method == .get)
        #expect(parsed.path == "/v1/orders/7")
        #expect(parsed.query == "view=full&x=1")
        #expect(parsed.header("x-trace-id") == "abc")
        #expect(parsed.header("X-TRACE-ID") == "abc")
        #expect(parsed.keepAlive)
        #expect(parsed.framing == .length(0))
    }

    @Test func anyTokenIsAMethodForTheRouterToJudge() throws {
        #expect(try head("PURGE /cache/1 HTTP/1.1\r\nHost: a\r\n\r\n")?.method.rawValue == "PURGE")
        #expect(try head("post / HTTP/1.1\r\nHost: a\r\n\r\n")?.method.rawValue == "post")
        #expect(refusal("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n")?.status == 400)
    }

    @Test func headerNamesAreHandedOverLowercased() throws {
        let parsed = try #require(try head("GET / HTTP/1.1\r\nHost: a\r\nGrpc-Metadata-Key: v\r\n\r\n"))
        var names: [String] = []
        parsed.forEachHeader { name, _ in names.append(String(decoding: name, as: UTF8.self)) }
        #expect(names == ["host", "grpc-metadata-key"])
    }

    @Test func anIncompleteHeadWaitsAndLeavesTheInputAlone() throws {
        var parser = HTTPRequestParser(limits: .init())
        let input = buffer("GET / HTTP/1.1\r\nHost: a\r\n")
        #expect(try parser.readHead(from: input) == nil)
        #expect(input.count == 25)
        input.append("\r\n")
        #expect(try parser.readHead(from: input) != nil)
        #expect(input.isEmpty)
    }

    @Test func bareLineFeedsAndLeadingEmptyLinesAreAccepted() throws {
        let parsed = try #require(try head("\r\n\nGET /x HTTP/1.1\nHost: a\n\n"))
        #expect(parsed.path == "/x")
    }

    @Test func http10ClosesUnlessItAsksForKeepAlive() throws {
        #expect(try head("GET / HTTP/1.0\r\n\r\n")?.keepAlive == false)
        #expect(try head("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")?.keepAlive == true)
        #expect(try head("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")?.keepAlive == false)
    }

    @Test func absoluteFormTargetsAreReducedToTheirPath() throws {
        let parsed = try #require(try head("GET http://example.com:8080/v1/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n"))
        #expect(parsed.path == "/v1/x")
        #expect(parsed.query == "y=1")
    }

    @Test(arguments: [
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "2 Content-Length headers"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "both Content-Length and Transfer-Encoding"),
        ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", "not chunked"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "invalid Content-Length"),
        ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", "invalid Content-Length"),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "HTTP/1.0"),
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "2 Host headers"),
        ("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", "no Host header"),
        ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "folded"),
        ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "whitespace between a header name"),
        ("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", "bare CR"),
        ("GET / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", "control character"),
        ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "request target"),
        ("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", "request target"),
        ("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", "malformed"),
        ("GET /#frag HTTP/1.1\r\nHost: a\r\n\r\n", "fragment"),
    ])
    func framingThatCouldBeReadTwoWaysIsRefused(request: String, reason: String) {
        let error = refusal(request)
        #expect(error?.status == 400, "\(request.debugDescription)")
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func unsupportedMethodsVersionsAndCodingsGetTheirOwnStatus() {
        #expect(refusal("CONNECT example.com:443 HTTP/1.1\r\nHost: a\r\n\r\n")?.status == 501)
        #expect(refusal("TRACE / HTTP/1.1\r\nHost: a\r\n\r\n")?.status == 501)
        #expect(refusal("GET / HTTP/2.0\r\nHost: a\r\n\r\n")?.status == 505)
        #expect(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")?.status == 501)
        #expect(refusal("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n")?.status == 417)
    }

    @Test func headsOverTheLimitGet431AndLongRequestLines414() {
        let limits = HTTPRequestParser.Limits(maxHeadBytes: 64)
        let longHeader = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "y", count: 100) + "\r\n\r\n"
        #expect(refusal(longHeader, limits: limits)?.status == 431)
        let longTarget = "GET /" + String(repeating: "p", count: 100) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(refusal(longTarget, limits: limits)?.status == 414)
        let manyHeaders = "GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X: y\r\n", count: 4) + "\r\n"
        #expect(refusal(manyHeaders, limits: .init(maxHeadBytes: 1024, maxHeaderCount: 3))?.status == 431)
    }

    @Test func aContentLengthBodyIsMovedUpToTheDestinationsLimit() throws {
        var parser = HTTPRequestParser(limits: .init())
        let input = buffer("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456")
        let parsed = try #require(try parser.readHead(from: input))
        #expect(parsed.framing == .length(10))
        let body = Buffer()
        #expect(try parser.readBody(from: input, into: body, limit: 4) == .destinationFull)
        #expect(body.bytes == Array("0123".utf8))
        body.drain(4)
        #expect(try parser.readBody(from: input, into: body, limit: 4) == .needsMoreInput)
        input.append("789GET / HTTP/1.1\r\n")
        #expect(try parser.readBody(from: input, into: body, limit: 100) == .complete)
        #expect(body.bytes == Array("456789".utf8))
        // The next pipelined request is left where it was.
        #expect(input.bytes == Array("GET / HTTP/1.1\r\n".utf8))
    }

    @Test func aChunkedBodyArrivesWithoutItsFramingAndTrailersAreDropped() throws {
        var parser = HTTPRequestParser(limits: .init())
        let input = buffer("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n")
        _ = try #require(try parser.readHead(from: input))
        let body = Buffer()
        #expect(try parser.readBody(from: input, into: body, limit: 100) == .needsMoreInput)
        #expect(body.bytes == Array("hello".utf8))
        input.append("9\r\n, world!!\r\n0\r\nX-Checksum: 1\r\n\r\nNEXT")
        #expect(try parser.readBody(from: input, into: body, limit: 100) == .complete)
        #expect(body.bytes == Array("hello, world!!".utf8))
        #expect(input.bytes == Array("NEXT".utf8))
    }

    @Test(arguments: [
        "zz\r\n", "5\r\nhelloX\r\n", "1234567890abcdef0\r\n", "-1\r\n", " 5\r\nhello\r\n",
        // Framing other readers disagree on: bare LFs, junk after the size, a request as "trailer".
        "5\nhello\r\n", "5\r\nhello\n0\r\n\r\n", "5 garbage\r\nhello\r\n", "2;\nxx\r\n",
        "5;a=\"unterminated\r\nhello\r\n", "0\r\nGET /x HTTP/1.1\r\n\r\n",
    ])
    func malformedChunksAreRefused(chunks: String) throws {
        var parser = HTTPRequestParser(limits: .init())
        let input = buffer("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
        _ = try #require(try parser.readHead(from: input))
        #expect(throws: HTTPRequestError.self) {
            try parser.readBody(from: input, into: Buffer(), limit: 1 << 20)
        }
    }

    @Test func chunkExtensionsAndLeadingZerosFollowTheGrammar() throws {
        var parser = HTTPRequestParser(limits: .init())
        let input = buffer(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0000000000000000003 ; name=\"v;1\" ;flag\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n")
        _ = try #require(try parser.readHead(from: input))
        let body = Buffer()
        #expect(try parser.readBody(from: input, into: body, limit: 100) == .complete)
        #expect(body.bytes == Array("abc".utf8))
    }

    @Test func aChunkedBodyDeliveredOneByteAtATimeIsTheSame() throws {
        let wire = Array("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".utf8)
        var parser = HTTPRequestParser(limits: .init())
        let input = Buffer()
        let body = Buffer()
        var headRead = false
        var complete = false
        for byte in wire {
            input.append([byte])
            if !headRead {
                headRead = try parser.readHead(from: input) != nil
                continue
            }
            complete = try parser.readBody(from: input, into: body, limit: 100) == .complete
        }
        #expect(complete)
        #expect(body.bytes == Array("abcde".utf8))
    }
}
