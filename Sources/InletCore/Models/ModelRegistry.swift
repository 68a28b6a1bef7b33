/// The models known to this process, validated once at start-up.
public struct ModelRegistry: Sendable {
    public let models: [ModelName: ModelDeclaration]

    /// The models compiled into this build of Inlet.
    public static let builtIn: [ModelDeclaration] = [
        .pullRequest, .workItem, .codePush, .customer, .order, .payment, .message, .emailEvent,
    ]

    public init(_ declarations: [ModelDeclaration] = ModelRegistry.builtIn) throws(InletCoreError) {
        var byName: [ModelName: ModelDeclaration] = [:]
        var tables: [String: ModelName] = [:]
        for declaration in declarations {
            try declaration.validate()
            guard byName[declaration.name] == nil else {
                throw InletCoreError(.topicCollision, "model '\(declaration.name)' is declared twice")
            }
            if let other = tables[declaration.name.topicSegment] {
                throw InletCoreError(.topicCollision, "models '\(other)' and '\(declaration.name)' share topic and table name '\(declaration.name.topicSegment)'")
            }
            tables[declaration.name.topicSegment] = declaration.name
            byName[declaration.name] = declaration
        }
        self.models = byName
    }

    public subscript(name: String) -> ModelDeclaration? {
        guard let name = try? ModelName(name) else { return nil }
        return models[name]
    }

    /// Model declarations sorted by name, for stable output.
    public var sorted: [ModelDeclaration] { models.values.sorted { $0.name < $1.name } }
}
