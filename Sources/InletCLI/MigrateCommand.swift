import ArgumentParser
import InletCore
import InletDeduplicator
import InletIntegrations
import InletPersister

/// `inlet migrate`: creates or migrates every table Inlet keeps in PostgreSQL — one per model (the persister's rules:
/// added columns and indexes applied, breaking changes refused with the table, column and types named), the
/// deduplicator's seen set, and the integrations tables — then exits. The stages do the same at start-up; running it
/// first (the Kubernetes setup Job, an upgrade) lets new stage versions start on tables that are already right.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or migrate every table Inlet keeps in PostgreSQL, then exit.")

    func run() async throws {
        let stack = try Stack.load(label: "migrate")
        let persister = try PersisterConfiguration(environment: stack.environment)
        let deduplicator = try DeduplicatorConfiguration(environment: stack.environment)
        try await withPostgres(stack) { postgres in
            let migrator = ModelTableMigrator(client: postgres, lockTimeout: persister.migrationLockTimeout)
            for declaration in stack.models.sorted {
                let outcome = try await migrator.prepare(try ModelTable(declaration))
                let changes = outcome.steps.map(\.summary)
                print("\(outcome.table): \(outcome.created ? "created" : changes.isEmpty ? "up to date" : changes.joined(separator: "; "))")
            }
            try await SeenDeliveryStore(client: postgres, table: deduplicator.seenTable).prepare()
            print("\(deduplicator.seenTable): ready")
            try await IntegrationStore(client: postgres, definitions: stack.definitions).prepare()
            print("integrations tables: ready")
        }
    }
}
