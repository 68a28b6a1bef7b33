extension ModelDeclaration {
    /// A shop order.
    ///
    /// Providers: Shopify `orders/create`, `orders/updated`, `orders/paid`, `orders/fulfilled`, `orders/cancelled`
    /// (each sends the whole order) and `orders/delete` (sends only the `id`: its mapping marks the record
    /// `_deleted` with the envelope's `time` as `updated_at`).
    ///
    /// Amounts are integers in minor units of `currency` (cents; the unit itself for zero-decimal currencies such
    /// as JPY). Shopify sends decimal strings (`"199.65"`): mappings multiply by 100 for two-decimal currencies.
    ///
    /// Version: `updated_at`, which Shopify bumps on every change to the order.
    public static let order = ModelDeclaration(
        name: try! ModelName("Order"),
        fields: [
            ModelField("id", .string, required: true, summary: "The provider's order id, as a string (Shopify `id`)."),
            ModelField("name", .string, summary: "The order's display name people quote, e.g. `#1001` (Shopify `name`)."),
            ModelField("number", .int, summary: "The order's sequential number (Shopify `order_number`)."),
            ModelField("customer_id", .string, summary: """
                The `id` of the `Customer` record who placed it (Shopify `customer.id` as a string); null for guest \
                checkouts without a customer.
                """),
            ModelField("email", .string, summary: "The e-mail address the order was placed with (Shopify `email`)."),
            ModelField("status", .string, required: true, summary: """
                `open`, `closed` or `canceled`, normalised: `canceled` when Shopify `cancelled_at` is set, else \
                `closed` when `closed_at` is set, else `open`.
                """),
            ModelField("financial_status", .string, summary: """
                The payment state, as Shopify spells it: `pending`, `authorized`, `partially_paid`, `paid`, \
                `partially_refunded`, `refunded`, `voided`.
                """),
            ModelField("fulfillment_status", .string, summary: """
                The shipping state, as Shopify spells it: null (unfulfilled), `partial`, `fulfilled`, `restocked`.
                """),
            ModelField("currency", .string, required: true, summary: "ISO 4217, upper case (Shopify `currency`)."),
            ModelField("total_amount", .int, required: true, summary: """
                What the customer pays, in minor units, taxes, shipping and discounts included (Shopify `total_price`).
                """),
            ModelField("subtotal_amount", .int, summary: "Line items after discounts, before tax and shipping (Shopify `subtotal_price`)."),
            ModelField("tax_amount", .int, summary: "Total tax (Shopify `total_tax`)."),
            ModelField("discount_amount", .int, summary: "Total discounts (Shopify `total_discounts`)."),
            ModelField("shipping_amount", .int, summary: """
                Shipping charged (Shopify `total_shipping_price_set.shop_money.amount`).
                """),
            ModelField("refunded_amount", .int, summary: """
                Money returned so far: the sum of Shopify `refunds[].transactions[].amount`; 0 or null when none.
                """),
            ModelField("item_count", .int, summary: "Units ordered: the sum of `line_items[].quantity`."),
            ModelField("line_items", .json, summary: """
                The lines as an array of objects with `id`, `product_id`, `variant_id`, `sku`, `title`, \
                `quantity` and `price_amount` (minor units, per unit).
                """),
            ModelField("tags", .stringList, summary: "Tags (Shopify `tags`, a comma-separated string, split and trimmed)."),
            ModelField("source", .string, summary: "Where the order was placed (Shopify `source_name`: `web`, `pos`, an app id)."),
            ModelField("cancel_reason", .string, summary: """
                Why it was canceled (Shopify `cancel_reason`: `customer`, `fraud`, `inventory`, `declined`, `other`).
                """),
            ModelField("url", .string, summary: """
                The order's page in the shop admin (`https://admin.shopify.com/store/<shop>/orders/<id>`) or, when \
                that is unknown, Shopify `order_status_url`.
                """),
            ModelField("created_at", .timestamp, required: true),
            ModelField("updated_at", .timestamp, required: true, summary: "The version: Shopify `updated_at`."),
            ModelField("processed_at", .timestamp, summary: "When the order was processed (Shopify `processed_at`; can predate `created_at` for imports)."),
            ModelField("canceled_at", .timestamp, summary: "Shopify `cancelled_at`."),
            ModelField("closed_at", .timestamp, summary: "When the order was archived (Shopify `closed_at`)."),
            ModelField("extra", .json, summary: """
                Provider-specific values with no field of their own (Shopify `note_attributes`, `note`), as a JSON \
                object. Keep it small: it is stored and delivered with every version.
                """),
        ],
        upsertKey: ["id"],
        versionField: "updated_at",
        lookupKeys: ["customer_id", "email", "name"],
        summary: """
            A shop order. Fed by Shopify order webhooks. Amounts are integers in minor units of `currency`. \
            Version: `updated_at`, which Shopify bumps on every change.
            """)
}
