import Synchronization

/// Which sources the job's driver must not read from for now: a multi-input step holds the
/// sources of an input that has run far ahead of the others (it buffers that input's records
/// until the others' watermarks catch up), so the buffer stays bounded and the input waits —
/// back-pressure to those sources alone.
///
/// ```swift
/// holds.set(holder: unionStep, sources: [0, 2])   // input 0 is far ahead
/// holds.isHeld(0)                                  // true
/// holds.set(holder: unionStep, sources: [])        // caught up
/// ```
@usableFromInline
final class SourceHolds: Sendable {
    private let held = Mutex<[Int: Set<Int>]>([:])

    init() {}

    /// Replaces what `holder` (a step number) holds.
    @usableFromInline
    func set(holder: Int, sources: Set<Int>) {
        held.withLock { $0[holder] = sources.isEmpty ? nil : sources }
    }

    /// Whether any step holds the source of step `source`.
    func isHeld(_ source: Int) -> Bool {
        held.withLock { held in held.values.contains { $0.contains(source) } }
    }
}
