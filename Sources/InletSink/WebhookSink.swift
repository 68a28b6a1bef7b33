import Foundation
import Hummingbird
import InletDeliverer
import InletSignatures
import Logging
import ServiceLifecycle
import Synchronization

/// Settings of the local subscriber sink.
public struct WebhookSinkConfiguration: Sendable {
    /// Default: `127.0.0.1` (never listen on other interfaces: the sink is a development tool).
    public var host: String = "127.0.0.1"
    /// Default: 8090 (the URL in `deploy/local/subscriptions.yaml`). 0 picks a free port (tests).
    public var port: Int = 8090
    /// The path deliveries are POSTed to. Default: `/inlet`.
    public var path: String = "/inlet"
    /// The subscription's Standard Webhooks secret (`whsec_…`). No default.
    public var secret: String
    /// Largest `webhook-timestamp` skew accepted, in seconds. Default: 300 (the Standard Webhooks recommendation).
    public var toleranceSeconds: Int = Int(StandardWebhooksSignature.recommendedToleranceSeconds)
    /// Largest request body read. Default: 1 MiB (deliveries are at most 300,000 bytes).
    public var maxBodyBytes: Int = 1 << 20
    /// Statuses to answer verified requests with, in order; once used up, every request gets 200. Default: empty.
    /// `[503, 503]` makes the first two deliveries fail; `[410]` says "gone" once.
    public var statusScript: [Int] = []
    /// Print one line per received record to standard output. Default: false.
    public var printsRecords: Bool = false

    public init(secret: String, port: Int = 8090) {
        self.secret = secret
        self.port = port
    }
}

/// One record the sink received, verified and (for split records) reassembled.
public struct SinkRecord: Sendable, Equatable {
    /// The element's CloudEvents `id` (empty when the element has none).
    public var id: String
    /// The element's `type` and `subject`.
    public var type: String
    public var subject: String?
    /// The element exactly as received (after reassembly).
    public var element: [UInt8]
    /// The `webhook-id` of the request that completed it.
    public var webhookID: String
    /// Whether it arrived in chunks.
    public var wasChunked: Bool
}

/// What the sink has seen so far.
public struct SinkSnapshot: Sendable {
    /// Verified bodies answered with 2xx, in arrival order (chunks included, as pieces).
    public var acceptedBodies: [[UInt8]] = []
    /// Records delivered (batch elements and reassembled chunked records), in arrival order.
    public var records: [SinkRecord] = []
    /// Requests whose signature did not verify (answered 401).
    public var signatureFailures = 0
    /// Requests answered with a scripted non-2xx status.
    public var scriptedFailures = 0
    /// Every request, verified or not.
    public var requests = 0
    /// Largest body seen, in bytes.
    public var largestBody = 0
}

/// A subscriber for local runs and tests: listens on `host:port`, verifies every request's Standard Webhooks
/// signature (401 on mismatch), reassembles chunked records (``ChunkReassembler``), keeps what it received in memory
/// (``snapshot()``) and can answer with a scripted status sequence to exercise the deliverer's retries.
///
/// A `Service`: `run()` serves until graceful shutdown. ``port()`` waits until it listens and returns the bound port.
public final class WebhookSink: Service, Sendable {
    public let configuration: WebhookSinkConfiguration
    private let signer: WebhookSigner
    private let logger: Logger
    private let state: Mutex<State>

    private struct State {
        var snapshot = SinkSnapshot()
        var reassembler = ChunkReassembler()
        var script: [Int]
        var port: Int?
        var portWaiters: [CheckedContinuation<Int, Never>] = []
    }

    /// - Throws: ``DelivererError`` `.invalidSecret` when the secret is not `whsec_` + base64.
    public init(configuration: WebhookSinkConfiguration, logger: Logger = Logger(label: "inlet.sink")) throws {
        self.configuration = configuration
        self.signer = try WebhookSigner(secret: configuration.secret)
        self.logger = logger
        self.state = Mutex(State(script: configuration.statusScript))
    }

    /// Everything received so far.
    public func snapshot() -> SinkSnapshot { state.withLock { $0.snapshot } }

    /// Replaces the remaining status script.
    public func setStatusScript(_ statuses: [Int]) { state.withLock { $0.script = statuses } }

    /// The bound port, once the server listens.
    public func port() async -> Int {
        await withCheckedContinuation { continuation in
            let port: Int? = state.withLock { state in
                if let port = state.port { return port }
                state.portWaiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }

    /// The URL to put in a subscription, once the server listens.
    public func url() async -> String { "http://\(configuration.host):\(await port())\(configuration.path)" }

    public func run() async throws {
        let router = Router()
        router.post(RouterPath(configuration.path)) { [self] request, _ -> Response in
            await handle(request)
        }
        // Counts for scripts (the pipeline benchmark waits on `records`).
        router.get(RouterPath(configuration.path + "/stats")) { [self] _, _ -> Response in
            let snapshot = snapshot()
            let json = #"{"requests":\#(snapshot.requests),"records":\#(snapshot.records.count),"#
                + #""signature_failures":\#(snapshot.signatureFailures),"largest_body":\#(snapshot.largestBody)}"#
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
        }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? configuration.port
                let waiters = state.withLock { state in
                    state.port = port
                    defer { state.portWaiters = [] }
                    return state.portWaiters
                }
                for waiter in waiters { waiter.resume(returning: port) }
                logger.info("sink listening", metadata: ["inlet.port": "\(port)"])
            },
            logger: logger)
        try await application.run()
    }

    private func handle(_ request: Request) async -> Response {
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: configuration.maxBodyBytes))
        } catch {
            return reply(.contentTooLarge, code: "body_too_large", "the body exceeds \(configuration.maxBodyBytes) bytes")
        }
        func header(_ name: String) -> String? {
            let wanted = name.lowercased()
            return request.headers.first { $0.name.canonicalName == wanted }?.value
        }
        let webhookID = header(StandardWebhooksSignature.idHeader)
        let rejection = StandardWebhooksSignature.verify(
            id: webhookID?[...], timestamp: header(StandardWebhooksSignature.timestampHeader)?[...],
            signatures: header(StandardWebhooksSignature.signatureHeader)?[...], body: body, keys: [signer.key],
            now: Int64(Date().timeIntervalSince1970), toleranceSeconds: Int64(configuration.toleranceSeconds))
        if let rejection {
            state.withLock {
                $0.snapshot.requests += 1
                $0.snapshot.signatureFailures += 1
            }
            logger.warning("signature verification failed", metadata: ["inlet.reason": "\(rejection.reason.rawValue)"])
            return reply(.unauthorized, code: "invalid_signature", "Standard Webhooks verification failed: \(rejection)")
        }
        let scripted: Int? = state.withLock { state in
            state.snapshot.requests += 1
            state.snapshot.largestBody = max(state.snapshot.largestBody, body.count)
            guard !state.script.isEmpty else { return nil }
            let status = state.script.removeFirst()
            if !(200..<300).contains(status) { state.snapshot.scriptedFailures += 1 }
            return status
        }
        if let scripted, !(200..<300).contains(scripted) {
            var response = reply(HTTPResponse.Status(code: scripted), code: "scripted", "the sink was told to answer \(scripted)")
            if scripted == 503 || scripted == 429 { response.headers[.retryAfter] = "0" }
            return response
        }
        let id = webhookID ?? ""
        var received: [SinkRecord] = []
        if let chunkHeader = header(BatchDeliverer.Header.chunk) {
            guard let chunk = BodyPacker.Chunk(headerValue: chunkHeader), let batchID = header(BatchDeliverer.Header.batchID) else {
                return reply(.badRequest, code: "invalid_chunk", "Inlet-Chunk must be i/n and Inlet-Batch-Id must be present")
            }
            let outcome: Result<ChunkReassembler.Outcome, DelivererError> = state.withLock { state in
                Result { () throws(DelivererError) in try state.reassembler.accept(batchID: batchID, chunk: chunk, body: body) }
            }
            switch outcome {
            case .failure(let error):
                return reply(.badRequest, code: "invalid_chunk", error.reason)
            case .success(.complete(let element)):
                received.append(Self.record(element, webhookID: id, chunked: true))
            case .success:
                break
            }
        } else {
            guard let elements = CloudEventElement.splitBatch(body) else {
                return reply(.badRequest, code: "invalid_body", "a batch body must be a JSON array of CloudEvents")
            }
            received = elements.map { Self.record($0, webhookID: id, chunked: false) }
        }
        state.withLock { state in
            state.snapshot.acceptedBodies.append(body)
            state.snapshot.records += received
        }
        if configuration.printsRecords {
            for record in received {
                print("sink: \(record.id) \(record.type) \(record.subject ?? "-") \(record.element.count) bytes\(record.wasChunked ? " (reassembled)" : "")")
            }
        }
        return Response(status: .noContent)
    }

    private static func record(_ element: [UInt8], webhookID: String, chunked: Bool) -> SinkRecord {
        let object = (try? JSONSerialization.jsonObject(with: Data(element))) as? [String: Any]
        return SinkRecord(id: object?["id"] as? String ?? "", type: object?["type"] as? String ?? "",
                          subject: object?["subject"] as? String, element: element, webhookID: webhookID,
                          wasChunked: chunked)
    }

    private func reply(_ status: HTTPResponse.Status, code: String, _ reason: String) -> Response {
        var json = "{\"error\":"
        json += "\"\(code)\",\"reason\":"
        json += String(decoding: (try? JSONSerialization.data(withJSONObject: reason, options: [.fragmentsAllowed])) ?? Data("\"\"".utf8), as: UTF8.self)
        json += "}"
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: json)))
    }
}
