/// Why the metadata of a delivery (or of one item of a batch) could not be read from a request.
///
/// This is a per-request outcome, not a start-up error (those are ``InletCoreError``): the receiver answers it with
/// a 400 whose code is the reason's raw value (`body_too_deep` and `too_many_items` are reported as
/// `malformed_body`). - Important: messages name sources, positions and limits, never values or payload bytes.
public struct DeliveryReadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable reasons; raw values are `snake_case` and never change meaning.
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The body is not what the definition reads (not JSON, not an object, no items array, bad form encoding).
        case malformedBody = "malformed_body"
        /// The body nests deeper than the limit.
        case bodyTooDeep = "body_too_deep"
        /// A batch holds more items than its layout allows.
        case tooManyItems = "too_many_items"
        case missingDeliveryID = "missing_delivery_id"
        case missingEvent = "missing_event"
        /// A value is longer than ``DeliveryAttributeReader/maximumValueLength`` bytes or holds control characters.
        case invalidMetadata = "invalid_metadata"
    }

    public let reason: Reason
    /// What went wrong and what the sender can do.
    public let message: String
    /// The zero-based batch item concerned; nil when the failure concerns the whole request.
    public let itemIndex: Int?
    /// The byte offset in the body where reading failed, when known.
    public let offset: Int?

    public init(_ reason: Reason, _ message: String, itemIndex: Int? = nil, offset: Int? = nil) {
        self.reason = reason
        self.message = message
        self.itemIndex = itemIndex
        self.offset = offset
    }

    init(_ failure: JSONScanner.Failure, itemIndex: Int? = nil) {
        let reason: Reason = switch failure.kind {
        case .malformed: .malformedBody
        case .tooDeep: .bodyTooDeep
        case .tooManyItems: .tooManyItems
        }
        let message = failure.kind == .malformed ? "the body is not valid JSON at byte \(failure.offset): \(failure.detail)" : failure.detail
        self.init(reason, message, itemIndex: itemIndex, offset: failure.offset)
    }

    public var description: String { "\(reason.rawValue): \(message)" }
}
