import InletCEL
import InletCore

/// The integrations' own filters (`filter:` in the integrations file), compiled once at start-up.
///
/// A record is mapped only when both its mapping entry's filter (shipped with the definition's mappings) and its
/// integration's filter accept it. The integration filter sees the same variables as mapping expressions
/// (`payload`, `envelope`, `variant`, `resource`, `action`; `docs/mappings.md`) and is evaluated once per input
/// record, before the entries: when it is false every entry yields a skip with reason `integration_filter`
/// (entries whose `variants` exclude the record still say `variant`); when it fails or returns a non-bool the record
/// is dead-lettered with `filter_error`, naming the integration.
///
/// Immutable and `Sendable`; the compiled programs are evaluated concurrently without locks.
public struct IntegrationFilters: Sendable {
    /// One integration's compiled filter.
    public struct Filter: Sendable {
        public let integration: String
        public let program: CELProgram
        /// Whether the expression reads `envelope` (then the per-record envelope map must be built).
        let usesEnvelope: Bool
        /// What the expression can observe of `payload`.
        let payloadUsage: CELValueUsage
        /// The mapping variables resolved to the program's slots.
        let layout: CELBindingLayout

        init(integration: String, program: CELProgram) {
            self.integration = integration
            self.program = program
            self.layout = program.layout(binding: MappingVariables.names)
            self.payloadUsage = MappingVariables.payloadUsage(of: [program])
            self.usesEnvelope = program.variableNames.contains {
                $0 == MappingVariables.envelope || $0.hasPrefix(MappingVariables.envelope + ".")
            }
        }
    }

    /// What evaluating a filter on one record decided.
    enum Decision: Sendable {
        case pass
        case reject
        /// The filter failed or returned a non-bool; the reason names the integration, never payload values.
        case failure(String)
    }

    /// Compiled filters by integration id; integrations without a filter are absent.
    public let filters: [String: Filter]

    /// No integration filters: every record is decided by its mapping entries alone.
    public static let none = IntegrationFilters(filters: [:])

    init(filters: [String: Filter]) {
        self.filters = filters
    }

    /// Compiles the filter of every integration that has one.
    /// - Throws: ``MapperError`` `.invalidIntegrationFilter` naming the first integration whose filter does not
    ///   compile (the mapper refuses to start rather than map records the integration asked to drop).
    public init(integrations: [Integration]) throws(MapperError) {
        var filters: [String: Filter] = [:]
        for integration in integrations {
            guard let source = integration.filter, !source.allSatisfy(\.isWhitespace) else { continue }
            switch Self.compile(source) {
            case .success(let program):
                filters[integration.id] = Filter(integration: integration.id, program: program)
            case .failure(let error):
                throw MapperError(.invalidIntegrationFilter, Self.compileFailure(integration: integration.id, error))
            }
        }
        self.init(filters: filters)
    }

    /// Reads the integrations file and compiles every filter in it.
    /// - Throws: ``MapperError`` `.configuration` when the file cannot be read or is invalid (the reason is
    ///   `ConfigurationFiles`'s, naming file and key), `.invalidIntegrationFilter` for a filter that does not compile.
    public static func load(integrationsFile path: String, definitions: DefinitionRegistry) throws(MapperError) -> IntegrationFilters {
        let integrations: [Integration]
        do {
            integrations = try ConfigurationFiles.integrations(at: path, definitions: definitions)
        } catch {
            throw MapperError(.configuration, "cannot read integration filters: \(error.reason)")
        }
        return try IntegrationFilters(integrations: integrations)
    }

    public subscript(integration: String) -> Filter? { filters[integration] }

    /// Compiles one filter in the mapping environment.
    static func compile(_ source: String) -> Result<CELProgram, CELError> {
        do {
            return .success(try MappingVariables.environment.compile(source))
        } catch {
            return .failure(error)
        }
    }

    static func compileFailure(integration: String, _ error: CELError) -> String {
        let position = error.position.map { " (expression \($0.line):\($0.column))" } ?? ""
        return "the filter of integration '\(integration.prefix(80))' does not compile\(position): \(error.message); fix or remove its `filter:` in the integrations file"
    }
}

extension IntegrationFilters.Filter {
    /// Evaluates the filter on one record's variable values (``MappingVariables/values(envelope:payload:includeEnvelope:)``).
    func decide(_ values: [CELValue?]) -> IntegrationFilters.Decision {
        let result: CELValue
        do {
            result = try program.evaluate(values, in: layout)
        } catch {
            return .failure("the filter of integration '\(integration.prefix(80))' failed: \(error.code) error: \(error.message); fix its `filter:` in the integrations file and redrive")
        }
        guard case .bool(let pass) = result else {
            return .failure("the filter of integration '\(integration.prefix(80))' returned \(result.typeName); it must return a bool")
        }
        return pass ? .pass : .reject
    }
}
