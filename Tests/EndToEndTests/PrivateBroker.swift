import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Tansu broker of the test's own (the binary `make test` installed in .inlet/), on a free port, in memory:
/// the end-to-end test starts with empty topics, so stages with new consumer groups read only its records.
final class PrivateBroker: Sendable {
    let port: Int
    private let process: Process

    var brokers: String { "127.0.0.1:\(port)" }

    init(repositoryRoot: String) throws {
        let binary = ProcessInfo.processInfo.environment["INLET_STATE_DIR"].map { $0 + "/tansu" }
            ?? repositoryRoot + "/.inlet/tansu"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BrokerError(message: "no Tansu binary at \(binary); run `make test` (it installs the local stack)")
        }
        port = try Self.freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["broker", "--listener-url", "tcp://127.0.0.1:\(port)",
                             "--advertised-listener-url", "tcp://127.0.0.1:\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Waits until the broker accepts connections.
    func waitUntilListening() async throws {
        try await eventually(timeout: .seconds(20), "the private broker listens on \(port)") { Self.accepts(port: port) }
    }

    /// Tansu ignores SIGTERM and SIGINT; it keeps nothing on disk, so SIGKILL loses nothing.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw BrokerError(message: "could not find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

struct BrokerError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
