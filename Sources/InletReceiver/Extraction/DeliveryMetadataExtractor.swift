import HTTPTypes
import Hummingbird
import InletCore

/// What the receiver reads from a verified delivery to route and key it.
typealias DeliveryMetadata = DeliveryAttributes

/// The receiver's side of ``DeliveryAttributeReader`` (InletCore): reads a definition's delivery ID, event name,
/// variant and event time from the request's headers and body, and turns a read error into the matching 400
/// rejection. Header-only definitions (GitHub) never look at the body; the others scan it once.
struct DeliveryMetadataExtractor: Sendable {
    /// Longest delivery ID, event name or variant accepted (they become Kafka keys, headers and topic segments).
    static let maximumValueLength = DeliveryAttributeReader.maximumValueLength

    private let reader: DeliveryAttributeReader
    /// The definition's header names, parsed once (`HTTPField.Name` validates and lower-cases on creation).
    private let headerNames: [String: HTTPField.Name]

    init(definition: WebhookDefinition) {
        reader = DeliveryAttributeReader(definition: definition)
        let sources = [definition.deliveryID, definition.eventName] + [definition.variant, definition.eventTime].compactMap { $0 }
        var names: [String: HTTPField.Name] = [:]
        for name in sources.flatMap(\.headerNames) { names[name] = HTTPField.Name(name) }
        headerNames = names
    }

    /// - Returns: the metadata, or the 400 rejection naming what is missing or malformed.
    func extract(headers: HTTPFields, body: [UInt8]) -> Result<DeliveryMetadata, WebhookRejection> {
        do {
            return .success(try reader.read(body: body) { name in
                (headerNames[name] ?? HTTPField.Name(name)).flatMap { headers[$0] }
            })
        } catch {
            return .failure(WebhookRejection(error))
        }
    }
}

extension WebhookRejection {
    /// The 400 for a delivery whose metadata or batch cannot be read; depth and item limits count as malformed bodies.
    init(_ error: DeliveryReadError) {
        let code: RejectionCode = switch error.reason {
        case .malformedBody, .bodyTooDeep, .tooManyItems: .malformedBody
        case .missingDeliveryID: .missingDeliveryID
        case .missingEvent: .missingEvent
        case .invalidMetadata: .invalidMetadata
        }
        self.init(code, error.message)
    }
}
