/// Errors of Inlet's core vocabulary: names, definitions, models, configuration.
///
/// The description says what failed and what to do; it never contains payloads or secrets.
public struct InletCoreError: Error, Sendable, CustomStringConvertible, Equatable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let invalidName = Code(name: "invalidName")
        public static let topicCollision = Code(name: "topicCollision")
        public static let invalidConfiguration = Code(name: "invalidConfiguration")
        public static let invalidEnvelope = Code(name: "invalidEnvelope")
        public static let invalidRecord = Code(name: "invalidRecord")
        public static let unknownDefinition = Code(name: "unknownDefinition")
        public static let unknownModel = Code(name: "unknownModel")
        public var description: String { name }
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
