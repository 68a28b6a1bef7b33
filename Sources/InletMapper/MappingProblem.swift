/// One problem `inlet check` reports: where it is and what to do about it.
///
/// ``description`` is `file:line:column: message` (line and column left out when unknown), the form editors and CI
/// annotations understand.
public struct MappingProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file, as the user would open it (`mappings/github/issues.yaml`, `deploy/local/integrations.yaml`).
    public var file: String
    public var line: Int?
    public var column: Int?
    /// What is wrong and what to do; never contains secrets or payload values.
    public var message: String

    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// A start-up error of a mapping file, with its path made relative to where the user runs the command.
    /// - Parameter directory: the mappings directory as given (`mappings`), prefixed to the error's file.
    init(_ error: MapperError, directory: String) {
        let location = error.location
        var context: [String] = []
        if let entry = location?.entry { context.append("entry \(entry)") }
        if let key = location?.key { context.append(key) }
        let prefix = context.isEmpty ? "" : "(\(context.joined(separator: ", "))) "
        self.init(
            file: location.map { MappingProblem.join(directory, $0.file) } ?? directory,
            line: location?.line, column: location?.line == nil ? nil : location?.column,
            message: "\(error.code): \(prefix)\(error.reason)")
    }

    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        return text + ": " + message
    }

    static func join(_ directory: String, _ file: String) -> String {
        if directory.isEmpty || directory == "." { return file }
        return directory.hasSuffix("/") ? directory + file : directory + "/" + file
    }
}
