extension ModelDeclaration {
    /// A payment: money a customer paid, is paying, or failed to pay.
    ///
    /// Providers: Stripe `payment_intent.*` and `charge.*` (one record per object: a charge and its payment intent are
    /// two records, linked by `intent_id`), Square `payment.created|updated`, Paddle Billing `transaction.*`.
    ///
    /// Amounts are integers in minor units of `currency` (cents; the unit itself for zero-decimal currencies such
    /// as JPY): Stripe and Square send them so; Paddle sends minor units as strings (`"1000"`).
    ///
    /// Version: `updated_at`. Square bumps the payment's `updated_at` and Paddle the transaction's `updated_at` on
    /// every change. Stripe objects carry no update time, so Stripe mappings use the event's `created` (Unix seconds);
    /// two Stripe events about one object within the same second are ordered by arrival.
    public static let payment = ModelDeclaration(
        name: try! ModelName("Payment"),
        fields: [
            ModelField("id", .string, required: true, summary: """
                The provider's id of the payment object: Stripe `data.object.id` (`pi_…` or `ch_…`), Square \
                `data.object.payment.id`, Paddle `data.id` (`txn_…`).
                """),
            ModelField("status", .string, required: true, summary: """
                Normalised: `pending`, `authorized` (held, not captured), `succeeded`, `failed`, `canceled`, \
                `refunded` (fully; a partial refund stays `succeeded` with `refunded_amount` > 0). Stripe payment \
                intent `requires_*`/`processing` → `pending`, `requires_capture` → `authorized`; Stripe charge \
                `pending`/`succeeded`/`failed`, `refunded: true` → `refunded`; Square `APPROVED` → `authorized`, \
                `PENDING` → `pending`, `COMPLETED` → `succeeded`, `CANCELED`, `FAILED`; Paddle `draft`/`ready`/\
                `billed` → `pending`, `paid`/`completed` → `succeeded`, `canceled`, `past_due` → `failed`.
                """),
            ModelField("provider_status", .string, summary: "The provider's own status value, unnormalised."),
            ModelField("amount", .int, required: true, summary: """
                The amount in minor units: Stripe `amount`, Square `amount_money.amount`, Paddle \
                `details.totals.grand_total`.
                """),
            ModelField("currency", .string, required: true, summary: """
                ISO 4217, upper case: Stripe `currency` (lower case: upper-case it), Square \
                `amount_money.currency`, Paddle `currency_code`.
                """),
            ModelField("refunded_amount", .int, summary: """
                Refunded so far, minor units: Stripe charge `amount_refunded`, Square `refunded_money.amount`.
                """),
            ModelField("fee_amount", .int, summary: """
                The provider's fee, minor units, when the event carries it: Square `processing_fee[].amount_money` \
                summed, Paddle `details.totals.fee`.
                """),
            ModelField("customer_id", .string, summary: """
                The `id` of the `Customer` record: Stripe `customer` (`cus_…`), Square `customer_id`, Paddle \
                `customer_id` (`ctm_…`).
                """),
            ModelField("order_id", .string, summary: "The `id` of the `Order` it pays, when there is one (Square `order_id`)."),
            ModelField("invoice_id", .string, summary: "The invoice it pays: Stripe `invoice` (`in_…`), Paddle `invoice_id`."),
            ModelField("subscription_id", .string, summary: "The subscription it belongs to: Paddle `subscription_id` (`sub_…`)."),
            ModelField("intent_id", .string, summary: """
                Stripe only: a charge's `payment_intent` (`pi_…`), to find a payment intent's charges.
                """),
            ModelField("payment_method", .string, summary: """
                The method type: Stripe `payment_method_details.type` or the intent's `payment_method_types[0]` \
                (`card`, `sepa_debit`), Square `source_type` lower-cased (`card`, `cash`, `wallet`), Paddle \
                `payments[0].method_details.type`.
                """),
            ModelField("card_brand", .string, summary: "Card network, lower case (`visa`, `mastercard`), for card payments."),
            ModelField("card_last4", .string, summary: "The card's last four digits, for card payments."),
            ModelField("description", .string, summary: "The description shown on the payment (Stripe `description`, Square `note`)."),
            ModelField("failure_code", .string, summary: """
                Why it failed, machine-readable: Stripe `failure_code` or `last_payment_error.code`, Square \
                `card_details.errors[0].code`, Paddle `payments[0].error_code`.
                """),
            ModelField("failure_message", .string, summary: "Why it failed, for people (Stripe `failure_message`, `last_payment_error.message`)."),
            ModelField("receipt_url", .string, summary: "The receipt's address (Stripe charge `receipt_url`, Square `receipt_url`)."),
            ModelField("url", .string, summary: """
                The payment's page in the provider's dashboard, e.g. `https://dashboard.stripe.com/payments/<id>`.
                """),
            ModelField("test_mode", .bool, summary: """
                True for test-mode payments: Stripe `!livemode`; null for providers whose payload does not say.
                """),
            ModelField("created_at", .timestamp, required: true, summary: """
                When the payment was created: Stripe `created` (Unix seconds), Square `created_at`, Paddle `created_at`.
                """),
            ModelField("updated_at", .timestamp, required: true, summary: """
                The version: Square and Paddle `updated_at`; Stripe the event's `created` (Stripe objects carry no \
                update time).
                """),
            ModelField("extra", .json, summary: """
                Provider-specific values with no field of their own (Stripe `metadata`, Paddle `custom_data`), as a \
                JSON object. Keep it small: it is stored and delivered with every version.
                """),
        ],
        upsertKey: ["id"],
        versionField: "updated_at",
        lookupKeys: ["customer_id", "order_id", "invoice_id", "intent_id"],
        summary: """
            A payment. Fed by Stripe payment intent and charge events, Square payment events and Paddle transaction \
            events. Amounts are integers in minor units of `currency`; `status` is normalised across providers. \
            Version: `updated_at` (Square and Paddle `updated_at`, Stripe the event's `created`).
            """)
}
