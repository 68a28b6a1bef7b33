/// Where the deliveries of a batched request are, and how each is identified.
///
/// Some providers put several events in one request: HubSpot and SendGrid post a top-level JSON array, Okta nests
/// them in `data.events`, Microsoft Graph in `value`. Inlet treats every item as its own delivery (own record, own
/// delivery ID, own topic), so ``BatchSplitter`` cuts the body into the items' exact bytes and reads each item's
/// metadata with the sources below, whose body paths are relative to the item (headers are the request's).
///
/// When a provider gives items no ID, derive one with ``ValueSource/digest(prefix:of:)`` from fields that together
/// name one change (Microsoft Graph). Two items with equal parts are then treated as one delivery, so choose parts
/// that differ between distinct events and stay equal across the provider's retries.
public struct BatchLayout: Sendable, Hashable {
    /// The keys leading from the document to the array of items; empty when the body itself is the array.
    public let itemsPath: [String]
    /// Each item's delivery ID (body paths relative to the item).
    public let deliveryID: ValueSource
    /// Each item's event name.
    public let eventName: ValueSource
    public let variant: ValueSource?
    public let eventTime: ValueSource?
    /// More items than this is an error, not a truncation. Default: 10,000 (a 10 MiB body of ~1 KB items).
    public let maximumItems: Int
    /// Deeper nesting than this (counted from the document root) is an error. Default: 128, the receiver's limit.
    public let maximumDepth: Int

    public static let defaultMaximumItems = 10_000
    public static let defaultMaximumDepth = 128

    public init(itemsPath: [String], deliveryID: ValueSource, eventName: ValueSource, variant: ValueSource? = nil,
                eventTime: ValueSource? = nil, maximumItems: Int = BatchLayout.defaultMaximumItems,
                maximumDepth: Int = BatchLayout.defaultMaximumDepth) {
        self.itemsPath = itemsPath
        self.deliveryID = deliveryID
        self.eventName = eventName
        self.variant = variant
        self.eventTime = eventTime
        self.maximumItems = maximumItems
        self.maximumDepth = maximumDepth
    }

    /// Problems of the layout itself; its sources are checked with the definition's (``WebhookDefinition/problems``).
    var problems: [String] {
        var found: [String] = []
        if itemsPath.contains(where: \.isEmpty) { found.append("batch: the items path has an empty key") }
        if maximumItems < 1 { found.append("batch: maximumItems must be at least 1") }
        if !(itemsPath.count + 2...JSONScanner.depthCeiling).contains(maximumDepth) {
            found.append("batch: maximumDepth must be between \(itemsPath.count + 2) and \(JSONScanner.depthCeiling)")
        }
        return found
    }
}
