import Foundation
import InletCore
import InletDeliverer
import InletPostgres

extension Stack {
    /// The subscriptions file's entries (`INLET_SUBSCRIPTIONS_FILE`): the deliverer's consumer groups are derived
    /// from their IDs, so `inlet status` and `inlet replay` read the same file the deliverer does.
    /// - Throws: `InletCoreError` naming the file and the bad key.
    func subscriptions() throws -> [Subscription] {
        try ConfigurationFiles.subscriptions(at: configuration.subscriptionsPath, models: models)
    }

    /// Where the deliverer keeps 410 Gone marks across restarts: PostgreSQL when `INLET_POSTGRES_URL` is set, else
    /// nil (the deliverer then keeps them in memory and says so in its log).
    func goneSubscriptionStore() throws -> PostgresGoneSubscriptionStore? {
        guard environment.string("INLET_POSTGRES_URL") != nil else { return nil }
        var settings = try PostgresConfiguration(environment: ProcessInfo.processInfo.environment)
        settings.url = configuration.postgresURL
        // A read at start and a write per 410: one connection (one libpq thread) is plenty.
        settings.poolSize = 1
        return PostgresGoneSubscriptionStore(client: PostgresClient(configuration: settings, logger: logger), ownsClient: true)
    }
}
