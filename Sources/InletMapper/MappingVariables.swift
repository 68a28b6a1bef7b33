import InletCEL
import InletCore

/// The variables every `filter` and `map` expression sees, and the CEL environment they are compiled in.
///
/// | variable | value |
/// |---|---|
/// | `payload` | the record value, read from JSON once per record (only the parts the expressions can observe: ``MappingFile/payloadUsage``) |
/// | `envelope` | map of the CloudEvents attributes: `id`, `source`, `type`, `time`, `subject`, `specversion`, `datacontenttype`, `definition`, `event`, `integration`, `variant`, `receivedat`, `traceparent`, `replayid` (absent ones are `null`) |
/// | `variant` | the envelope's variant (string) or `null` |
/// | `resource` | the event name as the provider spells it (`pull_request`) |
/// | `action` | `payload.action` when it is a string, else `null` |
public enum MappingVariables {
    public static let payload = "payload"
    public static let envelope = "envelope"
    public static let variant = "variant"
    public static let resource = "resource"
    public static let action = "action"

    /// The environment mapping expressions are compiled in: the standard library plus every extension library
    /// InletCEL offers, the five variables declared as `dyn`.
    public static let environment: CELEnvironment = {
        var environment = CELEnvironment(libraries: extensionLibraries)
        environment.declare(payload, as: .dyn)
        environment.declare(envelope, as: .map(.string, .dyn))
        environment.declare(variant, as: .dyn)
        environment.declare(resource, as: .string)
        environment.declare(action, as: .dyn)
        return environment
    }()

    /// Extension libraries (strings, math, …) made available to mappings.
    static let extensionLibraries: [CELLibrary] = [.strings, .math, .lists, .encoders]

    /// What `programs` can observe of `payload`, together with the `action` binding's read of `payload.action`:
    /// the part of each record's payload that must be built from its JSON (the rest is validated and skipped).
    static func payloadUsage(of programs: [CELProgram]) -> CELValueUsage {
        var usage = CELValueUsage.fields([action: .whole])
        for program in programs {
            if let read = program.usage(ofVariable: payload) { usage.formUnion(read) }
        }
        return usage
    }

    /// The variables in the order ``values(envelope:payload:includeEnvelope:)`` gives them; every compiled
    /// expression resolves them to its slots once (``CELProgram/layout(binding:)``).
    static let names = [payload, envelope, variant, resource, action]

    /// The variables' values for one record, in the order of ``names``. Built once per record and shared by every
    /// entry's filter and map. `includeEnvelope: false` leaves `envelope` unbound (for files whose expressions never
    /// read it).
    static func values(envelope: Envelope, payload: CELValue, includeEnvelope: Bool = true) -> [CELValue?] {
        var action = CELValue.null
        if case .map(let object) = payload, case .string(let text)? = object["action"] { action = .string(text) }
        return [
            payload,
            includeEnvelope ? envelopeValue(envelope) : nil,
            envelope.variant.map(CELValue.string) ?? .null,
            .string(envelope.event),
            action,
        ]
    }

    static func envelopeValue(_ envelope: Envelope) -> CELValue {
        var builder = CELMap.Builder(capacity: 14)
        func put(_ key: String, _ value: String?) {
            try? builder.insert(.string(key), value.map(CELValue.string) ?? .null, replacing: true)
        }
        put("specversion", Envelope.specVersion)
        put("id", envelope.id)
        put("source", envelope.source)
        put("type", envelope.type)
        put("time", envelope.time)
        put("subject", envelope.subject)
        put("datacontenttype", envelope.contentType)
        put("definition", envelope.definition)
        put("event", envelope.event)
        put("integration", envelope.integration)
        put("variant", envelope.variant)
        put("receivedat", envelope.receivedAt)
        put("traceparent", envelope.traceparent)
        put("replayid", envelope.replayID)
        return .map(builder.build())
    }
}
