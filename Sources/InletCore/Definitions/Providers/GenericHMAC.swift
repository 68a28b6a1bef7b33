extension WebhookDefinition {
    /// Any sender that signs with an HMAC but has no definition of its own. The signature scheme and where the
    /// delivery ID, event name, variant and event time are come from each integration's options
    /// (``GenericHMACConfiguration``, applied with ``GenericHMACConfiguration/definition(from:)``); the sources
    /// here are its defaults. It declares no events: deliveries land on `inlet.generic-hmac.unrouted.received`
    /// until a provider-specific definition exists.
    public static let genericHMAC = WebhookDefinition(
        name: try! DefinitionName("generic-hmac"), title: "Generic HMAC",
        signature: .genericHMAC,
        deliveryID: GenericHMACConfiguration().deliveryID,
        eventName: GenericHMACConfiguration().eventName,
        // Dropbox-style senders verify the URL with GET ?challenge=…; answering it echoes a bounded token only.
        handshakes: [.challengeQueryEcho],
        events: [])
}
