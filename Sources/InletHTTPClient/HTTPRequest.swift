/// An HTTP method. Extensible: any token is allowed.
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let options = HTTPMethod(rawValue: "OPTIONS")
}

/// One HTTP request. Values only; safe to build on any task.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// Absolute `http://` or `https://` URL. Other schemes are refused.
    public var url: String
    /// Header fields in order. Names and values must not contain CR or LF (the request is refused if they do).
    /// An `Expect: 100-continue` is never sent unless you add it; curl's automatic one is suppressed.
    public var headers: [(name: String, value: String)]
    /// The request body, sent as is (with `Content-Length`). Not copied again by the client.
    public var body: [UInt8]
    /// Whole-request timeout (connect + send + wait + receive). Default: nil, meaning the client's configuration.
    public var timeout: Duration?
    /// Connect timeout (DNS + TCP + TLS). Default: nil, meaning the client's configuration.
    public var connectTimeout: Duration?

    public init(
        method: HTTPMethod = .get,
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeout: Duration? = nil,
        connectTimeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}
