extension ModelDeclaration {
    /// A customer or contact: someone who buys, or may buy.
    ///
    /// Providers: Stripe `customer.created|updated|deleted`, Shopify `customers/create|update|delete`, HubSpot
    /// `contact.creation|propertyChange|deletion`.
    ///
    /// Version: `updated_at`. Shopify bumps the customer's `updated_at` on every change. Stripe objects carry no
    /// update time, so Stripe mappings use the event's `created` (Unix seconds, the time of the change). HubSpot
    /// mappings use the event's `occurredAt` (Unix milliseconds).
    ///
    /// - Important: a record replaces the whole row. HubSpot `contact.propertyChange` carries one property, not the
    ///   contact; a mapping that fills only that field blanks the others. See docs/models.md.
    public static let customer = ModelDeclaration(
        name: try! ModelName("Customer"),
        fields: [
            ModelField("id", .string, required: true, summary: """
                The provider's customer id, as a string: Stripe `data.object.id` (`cus_…`), Shopify `id`, HubSpot \
                `objectId`.
                """),
            ModelField("email", .string, summary: "The e-mail address, as the provider stores it."),
            ModelField("name", .string, summary: """
                The full name: Stripe `name`; Shopify `first_name` + ` ` + `last_name`. HubSpot contact events do \
                not carry it.
                """),
            ModelField("phone", .string, summary: "The phone number, as the provider stores it (E.164 where the provider normalises)."),
            ModelField("company", .string, summary: "The company name (Shopify `default_address.company`)."),
            ModelField("address", .json, summary: """
                The billing or default address as an object with the keys `line1`, `line2`, `city`, `postal_code`, \
                `region`, `country` (ISO 3166-1 alpha-2); absent keys are left out.
                """),
            ModelField("currency", .string, summary: """
                The customer's currency, ISO 4217 upper case (Stripe `currency`, Shopify `currency`); the currency of \
                `balance_amount` and `total_spent_amount`.
                """),
            ModelField("balance_amount", .int, summary: """
                Stripe `balance` in minor units (cents): negative is credit the customer has, positive is owed.
                """),
            ModelField("total_spent_amount", .int, summary: """
                Lifetime spend in minor units: Shopify `total_spent` (a decimal string, × 100 for two-decimal \
                currencies).
                """),
            ModelField("orders_count", .int, summary: "How many orders the customer placed (Shopify `orders_count`)."),
            ModelField("accepts_marketing", .bool, summary: """
                Whether the customer agreed to marketing e-mail: Shopify `email_marketing_consent.state == \
                'subscribed'`.
                """),
            ModelField("tags", .stringList, summary: "Tags (Shopify `tags`, a comma-separated string, split and trimmed)."),
            ModelField("url", .string, summary: """
                The customer's page in the provider's dashboard, e.g. `https://dashboard.stripe.com/customers/<id>`.
                """),
            ModelField("created_at", .timestamp, summary: """
                When the customer was created: Stripe `created` (Unix seconds), Shopify `created_at`, HubSpot \
                `contact.creation`'s `occurredAt`.
                """),
            ModelField("updated_at", .timestamp, required: true, summary: """
                The version: Shopify `updated_at`; Stripe the event's `created` (Stripe objects carry no update \
                time); HubSpot the event's `occurredAt`.
                """),
            ModelField("extra", .json, summary: """
                Provider-specific values with no field of their own (Stripe `metadata`), as a JSON object. Keep it \
                small: it is stored and delivered with every version.
                """),
        ],
        upsertKey: ["id"],
        versionField: "updated_at",
        lookupKeys: ["email"],
        summary: """
            A customer or contact. Fed by Stripe customer events, Shopify customer webhooks and HubSpot contact \
            events. Version: `updated_at` (Shopify `updated_at`, Stripe the event's `created`, HubSpot the event's \
            `occurredAt`).
            """)
}
