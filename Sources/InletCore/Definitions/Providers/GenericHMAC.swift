extension WebhookDefinition {
    /// Any sender that signs with an HMAC but has no definition of its own. How it signs comes from each
    /// integration's `signature:` options (`GenericHMACOptions` in `InletSignatures`); where its delivery ID, event
    /// name, variant and event time are comes from its `metadata:` options (``GenericHMACSources``, applied with
    /// ``GenericHMACSources/definition(from:)``), whose defaults are the sources here. It declares no events:
    /// deliveries land on `inlet.generic-hmac.unrouted.received` until a provider-specific definition exists.
    public static let genericHMAC = WebhookDefinition(
        name: try! DefinitionName("generic-hmac"), title: "Generic HMAC",
        signature: .genericHMAC,
        deliveryID: GenericHMACSources().deliveryID,
        eventName: GenericHMACSources().eventName,
        // Dropbox-style senders verify the URL with GET ?challenge=…; answering it echoes a bounded token only.
        handshakes: [.challengeQueryEcho],
        events: [])
}
