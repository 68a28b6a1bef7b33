import HTTPTypes
import Hummingbird
import InletCore

/// The receiver's side of ``BatchSplitter`` (InletCore): cuts a verified batched request (HubSpot, SendGrid, Okta,
/// Microsoft Graph) into its items — each item's exact bytes and its own delivery ID, event name, variant and time —
/// and turns a split error into the matching 400 rejection. All or nothing: one unreadable item refuses the request.
struct BatchItemsExtractor: Sendable {
    private let splitter: BatchSplitter
    /// Header names the item sources read, parsed once.
    private let headerNames: [String: HTTPField.Name]

    init(layout: BatchLayout) {
        splitter = BatchSplitter(layout: layout)
        let sources = [layout.deliveryID, layout.eventName] + [layout.variant, layout.eventTime].compactMap { $0 }
        var names: [String: HTTPField.Name] = [:]
        for name in sources.flatMap(\.headerNames) { names[name] = HTTPField.Name(name) }
        headerNames = names
    }

    /// - Returns: the items in body order (empty for an empty array), or the 400 naming the item and what is wrong.
    func extract(headers: HTTPFields, body: [UInt8]) -> Result<[BatchItem], WebhookRejection> {
        do {
            return .success(try splitter.split(body: body) { name in
                (headerNames[name] ?? HTTPField.Name(name)).flatMap { headers[$0] }
            })
        } catch {
            return .failure(WebhookRejection(error))
        }
    }
}
