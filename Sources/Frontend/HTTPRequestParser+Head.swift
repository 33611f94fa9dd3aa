extension HTTPRequestParser {
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")

    /// Parses a complete head (`bytes` end with its empty line) into a ``HTTPRequestHead``.
    static func parseHead(_ bytes: UnsafeBufferPointer<UInt8>, limits: Limits) throws(HTTPRequestError) -> HTTPRequestHead {
        var storage = Array(bytes)
        var fields: [HTTPRequestHead.Field] = []
        fields.reserveCapacity(16)

        // Lines end in LF, optionally preceded by CR (RFC 9112 §2.2); a CR anywhere else is an error.
        var lineStart = 0
        var lines: [(start: Int, end: Int)] = []
        lines.reserveCapacity(16)
        for index in 0..<storage.count where storage[index] == newline {
            var end = index
            if end > lineStart, storage[end - 1] == carriageReturn { end -= 1 }
            lines.append((lineStart, end))
            lineStart = index + 1
        }
        // The last line is the empty one that ends the head.
        guard lines.count >= 2, lines[lines.count - 1].start == lines[lines.count - 1].end else {
            throw .badRequest("the request head is not terminated by an empty line")
        }
        lines.removeLast()
        guard lines.count - 1 <= limits.maxHeaderCount else {
            throw HTTPRequestError(status: 431, "the request has more than \(limits.maxHeaderCount) header fields")
        }

        let requestLine = try storage.withUnsafeBufferPointer { (all) throws(HTTPRequestError) in
            try parseRequestLine(UnsafeBufferPointer(rebasing: all[lines[0].start..<lines[0].end]))
        }

        var contentLengths = 0
        var contentLength = 0
        var transferCodings: [Substring] = []
        var hosts = 0
        var connectionClose = false
        var connectionKeepAlive = false
        var expectsContinue = false

        for line in lines.dropFirst() {
            guard line.end > line.start else { throw .badRequest("an empty header line") }
            let first = storage[line.start]
            if first == space || first == tab {
                throw .badRequest("a folded header line (obsolete line folding is not accepted)")
            }
            guard let colon = storage[line.start..<line.end].firstIndex(of: UInt8(ascii: ":")) else {
                throw .badRequest("a header line without a colon")
            }
            guard colon > line.start else { throw .badRequest("a header line with an empty name") }
            for index in line.start..<colon {
                let byte = storage[index]
                guard isTokenByte(byte) else {
                    throw .badRequest(
                        byte == space || byte == tab
                            ? "whitespace between a header name and its colon" : "an invalid character in a header name")
                }
                if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { storage[index] = byte | 0x20 }
            }
            var valueStart = colon + 1
            var valueEnd = line.end
            while valueStart < valueEnd, storage[valueStart] == space || storage[valueStart] == tab { valueStart += 1 }
            while valueEnd > valueStart, storage[valueEnd - 1] == space || storage[valueEnd - 1] == tab { valueEnd -= 1 }
            for index in valueStart..<valueEnd {
                let byte = storage[index]
                if byte < 0x20 && byte != tab || byte == 0x7F {
                    throw .badRequest(byte == carriageReturn ? "a bare CR in a header value" : "a control character in a header value")
                }
            }
            fields.append(.init(nameStart: Int32(line.start), nameEnd: Int32(colon), valueStart: Int32(valueStart), valueEnd: Int32(valueEnd)))

            let name = storage[line.start..<colon]
            let value = storage[valueStart..<valueEnd]
            switch name.count {
            case 4 where name.elementsEqual("host".utf8):
                hosts += 1
            case 6 where name.elementsEqual("expect".utf8):
                guard asciiLowercased(value) == "100-continue" else {
                    throw HTTPRequestError(status: 417, "unsupported expectation \"\(String(decoding: value, as: UTF8.self))\"")
                }
                expectsContinue = true
            case 10 where name.elementsEqual("connection".utf8):
                for token in asciiLowercased(value).split(separator: ",") {
                    switch token.trimmingSpaces() {
                    case "close": connectionClose = true
                    case "keep-alive": connectionKeepAlive = true
                    default: break
                    }
                }
            case 14 where name.elementsEqual("content-length".utf8):
                contentLengths += 1
                guard let length = decimal(value) else {
                    throw .badRequest("invalid Content-Length \"\(String(decoding: value, as: UTF8.self))\"")
                }
                contentLength = length
            case 17 where name.elementsEqual("transfer-encoding".utf8):
                for coding in asciiLowercased(value).split(separator: ",", omittingEmptySubsequences: false) {
                    transferCodings.append(coding.trimmingSpaces())
                }
            default:
                break
            }
        }

        if contentLengths > 1 { throw .badRequest("the request has \(contentLengths) Content-Length headers") }
        if hosts > 1 { throw .badRequest("the request has \(hosts) Host headers") }
        if hosts == 0 && requestLine.minorVersion == 1 { throw .badRequest("the request has no Host header (required in HTTP/1.1)") }

        var framing = HTTPRequestHead.BodyFraming.length(contentLength)
        if !transferCodings.isEmpty {
            if requestLine.minorVersion == 0 { throw .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            if contentLengths > 0 { throw .badRequest("the request has both Content-Length and Transfer-Encoding") }
            guard transferCodings.last == "chunked" else {
                throw .badRequest("the request's final transfer coding is not chunked")
            }
            guard transferCodings.count == 1 else {
                let others = transferCodings.dropLast().map { String($0) }.joined(separator: ", ")
                throw HTTPRequestError(status: 501, "transfer coding \"\(others)\" is not supported")
            }
            framing = .chunked
        }

        let keepAlive = requestLine.minorVersion == 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        return HTTPRequestHead(
            method: requestLine.method, path: requestLine.path, query: requestLine.query,
            minorVersion: requestLine.minorVersion, framing: framing, keepAlive: keepAlive,
            // A 100-continue from HTTP/1.0 clients is to be ignored (RFC 9110 §10.1.1).
            expectsContinue: expectsContinue && requestLine.minorVersion == 1,
            storage: storage, fields: fields)
    }

    private struct RequestLine {
        var method: HTTPMethod
        var path: String
        var query: String?
        var minorVersion: Int
    }

    /// `method SP request-target SP HTTP-version`, single spaces (RFC 9112 §3).
    private static func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPRequestError) -> RequestLine {
        guard let firstSpace = line.firstIndex(of: space), let lastSpace = line.lastIndex(of: space), firstSpace < lastSpace else {
            throw .badRequest("malformed request line")
        }
        let methodToken = UnsafeBufferPointer(rebasing: line[..<firstSpace])
        let target = UnsafeBufferPointer(rebasing: line[(firstSpace + 1)..<lastSpace])
        let version = UnsafeBufferPointer(rebasing: line[(lastSpace + 1)...])

        guard !methodToken.isEmpty, methodToken.allSatisfy(isTokenByte) else { throw .badRequest("malformed request method") }
        let minorVersion: Int
        if version.elementsEqual("HTTP/1.1".utf8) {
            minorVersion = 1
        } else if version.elementsEqual("HTTP/1.0".utf8) {
            minorVersion = 0
        } else if version.count == 8, version.starts(with: "HTTP/".utf8), isDigit(version[5]), version[6] == UInt8(ascii: "."),
            isDigit(version[7])
        {
            throw HTTPRequestError(status: 505, "HTTP version \(String(decoding: version, as: UTF8.self)) is not supported")
        } else {
            throw .badRequest("malformed HTTP version")
        }
        // CONNECT would turn the connection into a tunnel, and TRACE echoes requests back: a
        // gateway implements neither, and says so rather than routing them (RFC 9110 §9.3.6, §9.3.8).
        if methodToken.elementsEqual("CONNECT".utf8) || methodToken.elementsEqual("TRACE".utf8) {
            throw HTTPRequestError(status: 501, "method \(String(decoding: methodToken, as: UTF8.self)) is not implemented")
        }
        let method = HTTPMethod(token: UnsafeRawBufferPointer(methodToken))
        for byte in target where byte <= space || byte >= 0x7F {
            throw .badRequest("an invalid character in the request target")
        }

        // origin-form is what clients send; absolute-form is what they send to a proxy, and a
        // server must accept it too (RFC 9112 §3.2.2). asterisk-form is only for OPTIONS.
        var pathAndQuery = target[...]
        if target.first == UInt8(ascii: "/") {
            // origin-form
        } else if method == .options, target.count == 1, target[0] == UInt8(ascii: "*") {
            return RequestLine(method: method, path: "*", query: nil, minorVersion: minorVersion)
        } else if let schemeEnd = absoluteFormAuthorityStart(target) {
            let rest = target[schemeEnd...]
            let pathStart = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
            pathAndQuery = target[pathStart...]
        } else {
            throw .badRequest("invalid request target")
        }
        if pathAndQuery.contains(UInt8(ascii: "#")) { throw .badRequest("a fragment in the request target") }
        if let question = pathAndQuery.firstIndex(of: UInt8(ascii: "?")) {
            let path = pathAndQuery[..<question]
            return RequestLine(
                method: method, path: path.isEmpty ? "/" : String(decoding: path, as: UTF8.self),
                query: String(decoding: pathAndQuery[(question + 1)...], as: UTF8.self), minorVersion: minorVersion)
        }
        return RequestLine(
            method: method, path: pathAndQuery.isEmpty ? "/" : String(decoding: pathAndQuery, as: UTF8.self), query: nil,
            minorVersion: minorVersion)
    }

    /// Where the authority starts in an `http://` or `https://` target, nil for anything else.
    private static func absoluteFormAuthorityStart(_ target: UnsafeBufferPointer<UInt8>) -> Int? {
        let lowered = asciiLowercased(target.prefix(8)[...])
        if lowered.hasPrefix("http://") { return 7 }
        if lowered.hasPrefix("https://") { return 8 }
        return nil
    }

    private static func decimal(_ value: ArraySlice<UInt8>) -> Int? {
        // 18 digits cannot overflow Int; no body that large is accepted anyway.
        guard !value.isEmpty, value.count <= 18 else { return nil }
        var result = 0
        for byte in value {
            guard isDigit(byte) else { return nil }
            result = result * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return result
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    /// RFC 9110 §5.6.2 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func asciiLowercased<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        String(decoding: bytes.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}

extension Substring {
    /// The text without surrounding spaces and tabs.
    func trimmingSpaces() -> Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
