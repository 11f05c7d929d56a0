import CRdKafka

/// Facts about the librdkafka library this binary is linked against.
///
/// ```swift
/// print(Librdkafka.version)   // "2.0.2"
/// ```
public enum Librdkafka {
    /// The version string of the linked library (not of the headers built against).
    public static var version: String {
        String(cString: rd_kafka_version_str())
    }

    /// The linked library's version as librdkafka encodes it: 0xMMmmrrxx.
    public static var versionNumber: Int {
        Int(rd_kafka_version())
    }
}
