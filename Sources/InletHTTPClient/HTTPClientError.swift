import CCurl

/// The one error type InletHTTPClient throws (besides `CancellationError` when the calling task is cancelled).
///
/// The description names what failed, the URL's host is never included by us (curl's own message may name it),
/// and request or response bodies and header values are never included.
public struct HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The TCP connection could not be made (refused, unreachable). Retriable.
        public static let connectionFailed = Code("connectionFailed")
        /// The host name did not resolve. Retriable (DNS failures are often transient).
        public static let hostNotResolved = Code("hostNotResolved")
        /// The connect timeout or the whole-request timeout expired. Retriable.
        public static let timedOut = Code("timedOut")
        /// The connection broke while sending or receiving, or the server sent nothing. Retriable.
        public static let connectionLost = Code("connectionLost")
        /// TLS handshake or certificate verification failed. Not retriable (a certificate does not fix itself).
        public static let tlsFailed = Code("tlsFailed")
        /// The response body (or its declared Content-Length) exceeded `maximumResponseBodySize`. Not retriable.
        public static let responseTooLarge = Code("responseTooLarge")
        /// The request is malformed: bad URL, unsupported scheme, CR/LF in a header. Not retriable.
        public static let invalidRequest = Code("invalidRequest")
        /// The client is shutting down or shut down and takes no new requests. Not retriable on this client.
        public static let shutDown = Code("shutDown")
        /// Any other libcurl failure; see `curlCode`.
        public static let transferFailed = Code("transferFailed")
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and what to do about it.
    public var reason: String
    /// libcurl's `CURLcode` as an integer, or nil when the failure did not come from libcurl.
    public var curlCode: Int?
    /// Whether sending the same request again later may succeed.
    public var isRetriable: Bool

    public init(code: Code, reason: String, curlCode: Int? = nil, isRetriable: Bool) {
        self.code = code
        self.reason = reason
        self.curlCode = curlCode
        self.isRetriable = isRetriable
    }

    public var description: String {
        var text = "HTTPClientError(\(code)): \(reason)"
        if let curlCode { text += " [CURLcode \(curlCode)]" }
        if isRetriable { text += " (retriable)" }
        return text
    }

    static let shutDownError = HTTPClientError(
        code: .shutDown, reason: "the HTTP client is shut down; create a new client or stop sending", isRetriable: false
    )

    /// Maps a failed transfer's `CURLcode` (and curl's error buffer text) to an error.
    static func from(_ result: CURLcode, detail: String, bodyLimitExceeded: Bool, limit: Int) -> HTTPClientError {
        let curl = Int(result.rawValue)
        let suffix = detail.isEmpty ? "" : " (\(detail))"
        if bodyLimitExceeded || result == CURLE_FILESIZE_EXCEEDED {
            return HTTPClientError(code: .responseTooLarge, reason: "the response body exceeded the \(limit)-byte limit and was dropped", curlCode: curl, isRetriable: false)
        }
        switch result {
        case CURLE_COULDNT_CONNECT:
            return HTTPClientError(code: .connectionFailed, reason: "could not connect to the server\(suffix); it may be down or refusing connections", curlCode: curl, isRetriable: true)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return HTTPClientError(code: .hostNotResolved, reason: "the host name did not resolve\(suffix); check the URL or DNS", curlCode: curl, isRetriable: true)
        case CURLE_OPERATION_TIMEDOUT:
            return HTTPClientError(code: .timedOut, reason: "the request timed out\(suffix); the server is slow or unreachable", curlCode: curl, isRetriable: true)
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return HTTPClientError(code: .connectionLost, reason: "the connection broke during the exchange\(suffix)", curlCode: curl, isRetriable: true)
        case CURLE_SSL_CONNECT_ERROR:
            return HTTPClientError(code: .tlsFailed, reason: "the TLS handshake failed\(suffix)", curlCode: curl, isRetriable: true)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE:
            return HTTPClientError(code: .tlsFailed, reason: "the server's TLS certificate was not accepted\(suffix)", curlCode: curl, isRetriable: false)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return HTTPClientError(code: .invalidRequest, reason: "the URL is malformed or not http/https\(suffix)", curlCode: curl, isRetriable: false)
        default:
            let text = String(cString: curl_easy_strerror(result))
            return HTTPClientError(code: .transferFailed, reason: "libcurl failed: \(text)\(suffix)", curlCode: curl, isRetriable: false)
        }
    }
}
