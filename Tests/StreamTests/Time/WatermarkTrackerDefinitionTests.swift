import PropertyBased
import Testing
@testable import Stream

/// The tracker skips re-evaluating the minimum over partitions when a record cannot change it:
/// whatever the records, partitions, idleness and clock, its watermarks must be those of the
/// definition — the minimum over the partitions not idle, never going back — evaluated in full.
@Suite struct WatermarkTrackerDefinitionTests {
    /// The definition, evaluated in full after every record and tick (registering or removing a
    /// partition takes effect at the next of those).
    struct Definition {
        let outOfOrderness: Int64
        let idleTimeout: Int64?
        var partitions: [Int: (max: Int64, lastActivity: Int64)] = [:]
        var watermark = EventTime.beginning

        mutating func evaluate(now: Int64) {
            let active = partitions.values.filter { partition in idleTimeout.map { now - partition.lastActivity < $0 } ?? true }
            let lowest = active.map { $0.max == .min ? Int64.min : $0.max - outOfOrderness }.min()
            if let lowest, lowest > watermark { watermark = lowest }
        }

        mutating func observe(_ timestamp: Int64, partition: Int, now: Int64) {
            let before = partitions[partition]?.max ?? .min
            partitions[partition] = (max(before, timestamp), now)
            evaluate(now: now)
        }
    }

    /// A step: 0–5 a record of partition `step % 6 % 4` (several in a row at one time), 6 time
    /// moves on, 7 a tick, 8 a partition registered, 9 one removed.
    static let steps = Gen.int(in: 0...9).array(of: 1...80)
    static let times = Gen.int(in: 0...30).array(of: 80...80)

    @Test func skippingReevaluationsGivesTheDefinitionsWatermarks() async {
        await propertyCheck(count: 400, input: Self.steps, Self.times, Gen.int(in: 0...3)) { steps, draws, idle in
            let idleTimeout: Int64? = idle == 0 ? nil : Int64(idle * 5)
            let strategy = WatermarkStrategy(outOfOrderness: 2, idleTimeout: idleTimeout)
            var tracker = WatermarkTracker(strategy: strategy)
            var definition = Definition(outOfOrderness: 2, idleTimeout: idleTimeout)
            var now: Int64 = 0
            var clock: Int64 = 100
            for (index, step) in steps.enumerated() {
                let draw = Int64(draws[index])
                switch step {
                case 0...5:
                    let partition = step % 4
                    let timestamp = clock + draw - 15
                    clock += draw % 4
                    tracker.observe(timestamp: timestamp, partition: partition, now: now)
                    definition.observe(timestamp, partition: partition, now: now)
                case 6:
                    now += draw
                case 7:
                    tracker.tick(now: now)
                    definition.evaluate(now: now)
                case 8:
                    let partition = Int(draw) % 5
                    tracker.register(partition: partition, now: now)
                    if definition.partitions[partition] == nil { definition.partitions[partition] = (.min, now) }
                default:
                    let partition = Int(draw) % 5
                    tracker.remove(partition: partition)
                    definition.partitions[partition] = nil
                }
                #expect(tracker.watermark == definition.watermark, "steps \(steps), times \(draws), idle \(idle), at step \(index)")
                if tracker.watermark != definition.watermark { return }
            }
        }
    }
}
