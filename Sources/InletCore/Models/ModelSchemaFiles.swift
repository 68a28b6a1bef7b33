import Foundation

/// The JSON Schema files of every model, `<Model>.json` in one directory (`docs/models/` in the repository):
/// written by `inlet models export DIR`, compared by `inlet models check DIR` and by the test suite, so the committed
/// files never drift from the declarations.
public struct ModelSchemaFiles: Sendable {
    /// File name → contents, one per model, sorted by model name.
    public let files: [(name: String, contents: String)]

    public init(models: ModelRegistry) {
        self.files = models.sorted.map { ($0.jsonSchema.fileName, $0.jsonSchema.text()) }
    }

    /// Writes every file into `directory` (created if missing) and deletes `*.json` files there that belong to no
    /// model, so a removed or renamed model leaves no stale schema behind.
    /// - Returns: the names of the files whose contents changed (written, or deleted).
    @discardableResult
    public func write(to directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var changed: [String] = []
        for problem in differences(in: directory) {
            let url = directory.appendingPathComponent(problem.file)
            if let contents = files.first(where: { $0.name == problem.file })?.contents {
                try Data(contents.utf8).write(to: url, options: .atomic)
            } else {
                try FileManager.default.removeItem(at: url)
            }
            changed.append(problem.file)
        }
        return changed
    }

    /// One way a directory differs from what the declarations produce.
    public struct Difference: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case missing, stale, unexpected }
        public let file: String
        public let kind: Kind

        public var description: String {
            switch kind {
            case .missing: "\(file) is missing"
            case .stale: "\(file) differs from the model declaration"
            case .unexpected: "\(file) belongs to no model"
            }
        }
    }

    /// What differs between `directory` and the declarations; empty when the directory is up to date.
    public func differences(in directory: URL) -> [Difference] {
        var result: [Difference] = []
        for file in files {
            let url = directory.appendingPathComponent(file.name)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                result.append(Difference(file: file.name, kind: .missing))
                continue
            }
            if String(decoding: data, as: UTF8.self) != file.contents {
                result.append(Difference(file: file.name, kind: .stale))
            }
        }
        let expected = Set(files.map(\.name))
        let present = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for name in present.sorted() where name.hasSuffix(".json") && !expected.contains(name) {
            result.append(Difference(file: name, kind: .unexpected))
        }
        return result
    }
}
