/// One condition a stage needs to do its work (its consumer owns partitions, its database answers), as `/readyz`
/// reports it.
public struct ReadinessCheck: Sendable, Equatable {
    /// A stable name: `kafka_consumer`, `postgres`, …
    public var name: String
    public var isReady: Bool
    /// Why the check fails, in words an operator can act on; nil when ready. Never contains a secret (no URLs with
    /// credentials, no error texts from a driver that might echo them).
    public var reason: String?

    public init(name: String, isReady: Bool, reason: String? = nil) {
        self.name = name
        self.isReady = isReady
        self.reason = isReady ? nil : reason
    }

    public static func ready(_ name: String) -> ReadinessCheck { ReadinessCheck(name: name, isReady: true) }

    public static func notReady(_ name: String, _ reason: String) -> ReadinessCheck {
        ReadinessCheck(name: name, isReady: false, reason: reason)
    }

    /// Runs `probe` (a cheap round trip such as `SELECT 1`) and reports whether it succeeded within `timeout`.
    ///
    /// - Parameter failure: the reason reported when the probe throws or times out. The probe's own error is not
    ///   used: driver errors can carry connection strings.
    public static func probing(
        _ name: String, timeout: Duration, failure: String, _ probe: @escaping @Sendable () async throws -> Void
    ) async -> ReadinessCheck {
        // Whichever finishes first answers: a probe that ignores cancellation (a libpq query does) must not hold the
        // answer past the timeout.
        let succeeded = await firstAnswer(within: timeout, otherwise: false) {
            do {
                try await probe()
                return true
            } catch {
                return false
            }
        }
        return succeeded ? .ready(name) : .notReady(name, failure)
    }

    /// The `postgres` check of the stages that use PostgreSQL: `selectOne` (a `SELECT 1`) must answer within 2 s.
    public static func postgres(_ selectOne: @escaping @Sendable () async throws -> Void) async -> ReadinessCheck {
        await probing("postgres", timeout: .seconds(2),
                      failure: "PostgreSQL did not answer SELECT 1 within 2 s; check INLET_POSTGRES_URL and the database",
                      selectOne)
    }
}

/// Whether one stage is ready, with the checks that decided it.
public struct StageReadiness: Sendable, Equatable {
    /// The stage name (`Stage.rawValue`).
    public var stage: String
    public var checks: [ReadinessCheck]

    public init(stage: String, checks: [ReadinessCheck]) {
        self.stage = stage
        self.checks = checks
    }

    /// True when every check passes.
    public var isReady: Bool { checks.allSatisfy(\.isReady) }
}
