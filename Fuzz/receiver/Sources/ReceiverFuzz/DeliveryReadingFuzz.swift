// What the receiver reads from a delivery before producing it: the batch splitter (every built-in batched layout)
// and the delivery attribute reader (every built-in single-delivery definition). Every header lookup answers with the
// fuzzed header text, so header-sourced attributes are fuzzed too.
import InletCore
@testable import InletSignatures

enum DeliveryReadingFuzz {
    private static let splitters = WebhookDefinition.builtIn.compactMap { $0.batch }.map(BatchSplitter.init(layout:))
    private static let readers = WebhookDefinition.builtIn.filter { $0.batch == nil }.map(DeliveryAttributeReader.init(definition:))
    private static let itemParser = BoundedJSONParser(maximumBytes: Int.max, maximumDepth: BatchLayout.defaultMaximumDepth)

    static func batchSplitter(_ bytes: [UInt8]) {
        let input = FuzzInput(bytes)
        for splitter in splitters {
            guard let items = try? splitter.split(body: input.body, header: { _ in input.header }) else { continue }
            FuzzInvariant.check(items.count <= splitter.layout.maximumItems, "more items than the layout's maximum")
            var previousEnd = input.body.startIndex
            for (position, item) in items.enumerated() {
                FuzzInvariant.check(item.index == position, "item indices are not their positions")
                FuzzInvariant.check(item.bytes.startIndex >= previousEnd && item.bytes.endIndex <= input.body.endIndex,
                                    "item slices overlap or leave the body")
                previousEnd = item.bytes.endIndex
                FuzzInvariant.check(item.bytes.first == UInt8(ascii: "{") && item.bytes.last == UInt8(ascii: "}"),
                                    "an item slice is not an object from '{' to '}'")
                // The strict parser is the reference; it alone refuses duplicate keys, which JSON allows.
                do throws(BoundedJSONParser.Failure) {
                    _ = try itemParser.parse(Array(item.bytes))
                } catch {
                    FuzzInvariant.check(error.description.contains("duplicate object key"), "an item slice is not valid JSON: \(error)")
                }
                checkAttributes(item.attributes)
            }
        }
    }

    static func deliveryAttributeReader(_ bytes: [UInt8]) {
        let input = FuzzInput(bytes)
        for reader in readers {
            guard let attributes = try? reader.read(body: input.body, header: { _ in input.header }) else { continue }
            checkAttributes(attributes)
        }
    }

    private static func checkAttributes(_ attributes: DeliveryAttributes) {
        let limit = DeliveryAttributeReader.maximumValueLength
        FuzzInvariant.check(!attributes.deliveryID.isEmpty && attributes.deliveryID.utf8.count <= limit, "delivery ID empty or too long")
        FuzzInvariant.check(!attributes.event.isEmpty && attributes.event.utf8.count <= limit, "event name empty or too long")
        FuzzInvariant.check((attributes.variant?.utf8.count ?? 0) <= limit, "variant too long")
        FuzzInvariant.check((attributes.eventTime?.utf8.count ?? 0) <= limit, "event time too long")
    }
}
