/// One overload of a CEL function, as a library registers it.
///
/// Dispatch at run time picks the first overload of the function (in registration order, across libraries) whose
/// style (member or global), arity and parameter kinds match the actual arguments. A parameter declared `.dyn` or as a
/// type parameter accepts any kind. A function name may be qualified (`math.greatest`, `strings.quote`): the
/// expression `math.greatest(1, 2)` then calls it as a global function.
public struct CELOverload: Sendable {
    /// The code that runs an overload. Member overloads receive the receiver as the first argument.
    public enum Implementation: Sendable {
        case unary(@Sendable (CELValue) throws(CELError) -> CELValue)
        case binary(@Sendable (CELValue, CELValue) throws(CELError) -> CELValue)
        case ternary(@Sendable (CELValue, CELValue, CELValue) throws(CELError) -> CELValue)
        case nary(@Sendable ([CELValue]) throws(CELError) -> CELValue)
    }

    /// A unique id, e.g. `"string_starts_with_string"`.
    public var id: String
    /// The function name as written in expressions (`startsWith`, `math.abs`).
    public var function: String
    /// `true` for receiver-style calls (`s.startsWith(p)`).
    public var isMember: Bool
    /// Parameter types, the receiver first for member overloads. Used for dispatch (by kind) and by the checker.
    public var parameters: [CELType]
    /// When `true`, the last parameter may repeat any number of times (including zero).
    public var isVariadic: Bool
    /// The result type, for the checker (`.dyn` when not known).
    public var result: CELType
    public var implementation: Implementation

    public init(
        id: String,
        function: String,
        isMember: Bool = false,
        parameters: [CELType],
        isVariadic: Bool = false,
        result: CELType = .dyn,
        implementation: Implementation
    ) {
        self.id = id
        self.function = function
        self.isMember = isMember
        self.parameters = parameters
        self.isVariadic = isVariadic
        self.result = result
        self.implementation = implementation
    }

    /// A global function overload with one parameter.
    public static func global(
        _ function: String, id: String, _ p0: CELType, result: CELType = .dyn,
        _ body: @escaping @Sendable (CELValue) throws(CELError) -> CELValue
    ) -> CELOverload {
        CELOverload(id: id, function: function, parameters: [p0], result: result, implementation: .unary(body))
    }

    /// A global function overload with two parameters.
    public static func global(
        _ function: String, id: String, _ p0: CELType, _ p1: CELType, result: CELType = .dyn,
        _ body: @escaping @Sendable (CELValue, CELValue) throws(CELError) -> CELValue
    ) -> CELOverload {
        CELOverload(id: id, function: function, parameters: [p0, p1], result: result, implementation: .binary(body))
    }

    /// A member overload without arguments besides the receiver (`s.trim()`).
    public static func member(
        _ function: String, id: String, on receiver: CELType, result: CELType = .dyn,
        _ body: @escaping @Sendable (CELValue) throws(CELError) -> CELValue
    ) -> CELOverload {
        CELOverload(id: id, function: function, isMember: true, parameters: [receiver], result: result,
                    implementation: .unary(body))
    }

    /// A member overload with one argument (`s.startsWith(p)`).
    public static func member(
        _ function: String, id: String, on receiver: CELType, _ p1: CELType, result: CELType = .dyn,
        _ body: @escaping @Sendable (CELValue, CELValue) throws(CELError) -> CELValue
    ) -> CELOverload {
        CELOverload(id: id, function: function, isMember: true, parameters: [receiver, p1], result: result,
                    implementation: .binary(body))
    }

    /// A member overload with two arguments (`s.replace(a, b)`).
    public static func member(
        _ function: String, id: String, on receiver: CELType, _ p1: CELType, _ p2: CELType, result: CELType = .dyn,
        _ body: @escaping @Sendable (CELValue, CELValue, CELValue) throws(CELError) -> CELValue
    ) -> CELOverload {
        CELOverload(id: id, function: function, isMember: true, parameters: [receiver, p1, p2], result: result,
                    implementation: .ternary(body))
    }

    func accepts(arity: Int) -> Bool {
        isVariadic ? arity >= parameters.count - 1 : arity == parameters.count
    }
}

extension CELType {
    /// The value kind a parameter of this type accepts, or `.any`.
    var dispatchKind: CELKind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .int: .int
        case .uint: .uint
        case .double: .double
        case .string: .string
        case .bytes: .bytes
        case .list: .list
        case .map: .map
        case .type: .type
        case .timestamp: .timestamp
        case .duration: .duration
        case .optional: .optional
        case .opaque: .opaque
        case .dyn, .typeParameter, .error: .any
        }
    }
}

/// A set of functions added to an environment: the standard library, or an extension such as strings or math.
///
/// Extension libraries are values, e.g. `CELEnvironment(libraries: [.strings, .math])`; the standard library,
/// optional types, `cel.bind`, `cel.block` and the two-variable comprehension macros are always available.
public struct CELLibrary: Sendable {
    /// A short name for diagnostics (`"strings"`).
    public var name: String
    public var overloads: [CELOverload]
    /// Types the library adds; their names become identifiers denoting the type value (`net.IP`), unless a bound
    /// variable of the same name shadows them.
    public var types: [CELType]

    public init(name: String, overloads: [CELOverload], types: [CELType] = []) {
        self.name = name
        self.overloads = overloads
        self.types = types
    }
}
