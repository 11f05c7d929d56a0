/// The in-process Kafka broker for tests, from `Connectors` (where `stream-job dev-broker` and the
/// samples' demo cluster use it too): `import StreamTesting` is enough in a test.
///
/// ```swift
/// let kafka = try EmbeddedKafka(topics: ["clicks": 4])
/// ```
@_exported import class Connectors.EmbeddedKafka
