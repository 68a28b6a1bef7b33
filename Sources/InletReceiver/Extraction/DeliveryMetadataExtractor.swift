import HTTPTypes
import Hummingbird
import InletCore

/// What the receiver reads from a verified delivery to route and key it.
struct DeliveryMetadata: Sendable, Equatable {
    var deliveryID: String
    var event: String
    var variant: String?
    var eventTime: String?
}

/// Reads a definition's delivery ID, event name, variant and event time from headers or top-level body fields.
///
/// Header names are parsed once; the body is scanned (once, for all body fields together) only when the definition
/// takes something from it, so GitHub deliveries are never parsed at all.
struct DeliveryMetadataExtractor: Sendable {
    /// Longest delivery ID, event name or variant accepted (they become Kafka keys, headers and topic segments).
    static let maximumValueLength = 256

    private enum Location: Sendable {
        case header(HTTPField.Name)
        case body(index: Int)
        case none
    }

    private let deliveryID: Location
    private let event: Location
    private let variant: Location
    private let eventTime: Location
    private let bodyFields: [String]
    private let deliveryIDName: String
    private let eventName: String

    init(definition: WebhookDefinition) {
        var bodyFields: [String] = []
        func source(_ value: ValueSource?) -> Location {
            switch value {
            case .header(let name)?:
                guard let field = HTTPField.Name(name) else { preconditionFailure("definition '\(definition.name)' names invalid header '\(name)'") }
                return .header(field)
            case .bodyField(let name)?:
                if let index = bodyFields.firstIndex(of: name) { return .body(index: index) }
                bodyFields.append(name)
                return .body(index: bodyFields.count - 1)
            case nil:
                return .none
            }
        }
        deliveryID = source(definition.deliveryID)
        event = source(definition.eventName)
        variant = source(definition.variant)
        eventTime = source(definition.eventTime)
        self.bodyFields = bodyFields
        deliveryIDName = Self.describe(definition.deliveryID)
        eventName = Self.describe(definition.eventName)
    }

    private static func describe(_ source: ValueSource) -> String {
        switch source {
        case .header(let name): "header \(name)"
        case .bodyField(let name): "top-level body field '\(name)'"
        }
    }

    /// - Returns: the metadata, or the 400 rejection naming what is missing or malformed.
    func extract(headers: HTTPFields, body: [UInt8]) -> Result<DeliveryMetadata, WebhookRejection> {
        var fields: [String?] = []
        if !bodyFields.isEmpty {
            do {
                fields = try TopLevelJSONFields.strings(named: bodyFields, in: body)
            } catch .tooDeep {
                return .failure(WebhookRejection(.malformedBody, "the body nests deeper than \(TopLevelJSONFields.maximumDepth) levels"))
            } catch {
                return .failure(WebhookRejection(.malformedBody, "the body must be a JSON object (the \(eventName) is read from it)"))
            }
        }
        func value(_ source: Location) -> String? {
            switch source {
            case .header(let name): headers[name]
            case .body(let index): fields[index]
            case .none: nil
            }
        }
        guard let deliveryID = value(deliveryID), !deliveryID.isEmpty else {
            return .failure(WebhookRejection(.missingDeliveryID, "the delivery ID (\(deliveryIDName)) is missing or empty"))
        }
        guard let event = value(event), !event.isEmpty else {
            return .failure(WebhookRejection(.missingEvent, "the event name (\(eventName)) is missing or empty"))
        }
        let variant = value(variant).flatMap { $0.isEmpty ? nil : $0 }
        let eventTime = value(eventTime).flatMap { $0.isEmpty ? nil : $0 }
        for (what, text) in [("delivery ID", deliveryID), ("event name", event), ("variant", variant ?? ""), ("event time", eventTime ?? "")]
        where !Self.isAcceptable(text) {
            return .failure(WebhookRejection(.invalidMetadata, "the \(what) must be at most \(Self.maximumValueLength) bytes without control characters"))
        }
        return .success(DeliveryMetadata(deliveryID: deliveryID, event: event, variant: variant, eventTime: eventTime))
    }

    private static func isAcceptable(_ text: String) -> Bool {
        text.utf8.count <= maximumValueLength && !text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }
}
