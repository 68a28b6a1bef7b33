#if canImport(Glibc)
import Glibc
#endif

/// Reads configuration from environment variables. Every value is optional (the caller supplies the documented
/// default); a value that is present but malformed throws an error naming the variable.
public struct EnvironmentReader: Sendable {
    let values: [String: String]

    /// Reads the process environment.
    public init() {
        var values: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let pair = String(cString: entry)
            if let equals = pair.firstIndex(of: "=") {
                values[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            cursor += 1
        }
        self.values = values
    }

    /// For tests and embedding: an explicit set of variables.
    public init(_ values: [String: String]) { self.values = values }

    public func string(_ key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    public func int(_ key: String, range: ClosedRange<Int> = Int.min...Int.max) throws(InletCoreError) -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw InletCoreError(.invalidConfiguration, "environment variable \(key)='\(text.prefix(40))' must be a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    public func double(_ key: String) throws(InletCoreError) -> Double? {
        guard let text = string(key) else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw InletCoreError(.invalidConfiguration, "environment variable \(key)='\(text.prefix(40))' must be a number")
        }
        return value
    }

    public func bool(_ key: String) throws(InletCoreError) -> Bool? {
        guard let text = string(key)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw InletCoreError(.invalidConfiguration, "environment variable \(key)='\(text.prefix(40))' must be true or false")
        }
    }
}
