import CRdKafka

/// Facts about the librdkafka loaded at run time.
public enum KafkaLibrary {
    /// The lowest librdkafka that works with Tansu (2.16.0, as `rd_kafka_version()` encodes it: 0xMMmmrrxx).
    public static let minimumVersion: Int32 = 0x0210_0000

    /// The version string of the loaded library, for example `2.16.0`.
    public static var versionString: String { String(cString: rd_kafka_version_str()) }

    /// Throws ``KafkaError/Code/unsupportedLibrary`` when the loaded librdkafka is older than 2.16.
    ///
    /// Debian's 2.0.2 cannot parse Tansu's ApiVersion response and then hangs instead of failing, so every client
    /// refuses to start with it.
    public static func checkVersion() throws {
        guard rd_kafka_version() >= minimumVersion else {
            throw KafkaError(
                code: .unsupportedLibrary,
                reason: "librdkafka \(versionString) is loaded but Inlet needs 2.16 or newer (older versions hang "
                    + "against Tansu); run through `make run`, or `source deploy/local/env.sh` first so "
                    + "LD_LIBRARY_PATH points at .inlet/lib"
            )
        }
    }
}
