/// Durations as people write them on a command line: `250ms`, `1s`, `1.5s`, `2m`, `1h`.
///
/// ```swift
/// DurationText.parse("500ms")   // .milliseconds(500)
/// ```
enum DurationText {
    static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, milliseconds) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number >= 0 else { return nil }
            return .milliseconds(Int64((number * milliseconds).rounded()))
        }
        return nil
    }
}
