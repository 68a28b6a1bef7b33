import InletCore

extension Stack {
    /// The subscriptions file's entries (`INLET_SUBSCRIPTIONS_FILE`): the deliverer's consumer groups are derived
    /// from their IDs, so `inlet status` and `inlet replay` read the same file the deliverer does.
    /// - Throws: `InletCoreError` naming the file and the bad key.
    func subscriptions() throws -> [Subscription] {
        try ConfigurationFiles.subscriptions(at: configuration.subscriptionsPath, models: models)
    }
}
