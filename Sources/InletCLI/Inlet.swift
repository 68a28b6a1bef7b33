import ArgumentParser

/// The `inlet` executable: parses arguments, builds services, runs one ServiceGroup. No pipeline logic lives here.
@main
struct Inlet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inlet",
        abstract: "Inlet: a webhook ingest pipeline (receiver → deduplicator → mapper → persister, deliverer).",
        discussion: """
            Every stage runs as its own process and consumer group (`inlet receiver`, `inlet mapper`, …), or all five in
            one process with `inlet dev`. Configuration comes from INLET_* environment variables; see README.md.
            """,
        subcommands: [
            ReceiverCommand.self, DeduplicatorCommand.self, MapperCommand.self, PersisterCommand.self,
            DelivererCommand.self, DevCommand.self, TopicsCommand.self, SendCommand.self, SinkCommand.self,
            MapCommand.self, CELCommand.self, ModelsCommand.self, ReplayCommand.self, DLQCommand.self,
            TailCommand.self, StatusCommand.self, ConfigCommand.self, CheckCommand.self, IntegrationsCommand.self,
            MigrateCommand.self, SubscriptionsCommand.self,
        ])
}
