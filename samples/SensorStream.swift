import Stream

/// Readings in columns: the unit a window's tasks work on.
struct Readings: Sendable {
    var timestamps: [Int64] = []
    var sensors: [Int] = []
    var values: [Double] = []

    var count: Int { timestamps.count }

    mutating func append(timestamp: Int64, sensor: Int, value: Double) {
        timestamps.append(timestamp)
        sensors.append(sensor)
        values.append(value)
    }
}

/// A generated stream of sensor readings in event time: `rate` readings per event-time
/// second, each up to `maxDelay` milliseconds out of order, deterministic from `seed`.
struct SensorStream {
    static let epoch: Int64 = 1_700_000_000_000

    let rate: Int
    let sensors: Int
    let maxDelay: Int64
    let total: Int
    private var random: SeededRandom
    private var produced = 0

    init(rate: Int, sensors: Int, maxDelay: Int64, seconds: Int, seed: UInt64) {
        self.rate = rate
        self.sensors = sensors
        self.maxDelay = maxDelay
        self.total = rate * seconds
        self.random = SeededRandom(seed: seed)
    }

    /// The next `size` readings (fewer at the end; empty when done).
    mutating func next(_ size: Int) -> Readings {
        var batch = Readings()
        let end = min(total, produced + size)
        batch.timestamps.reserveCapacity(end - produced)
        batch.sensors.reserveCapacity(end - produced)
        batch.values.reserveCapacity(end - produced)
        while produced < end {
            let i = Int64(produced)
            let delay = maxDelay > 0 ? Int64(random.next() % UInt64(maxDelay)) : 0
            let timestamp = Self.epoch + i * 1000 / Int64(rate) - delay
            let sensor = Int(random.next() % UInt64(sensors))
            let value = 20 + Double(sensor) + 3 * random.normal()
            batch.append(timestamp: timestamp, sensor: sensor, value: value)
            produced += 1
        }
        return batch
    }
}

/// Count, sum and extremes of each sensor's readings in one window.
struct SensorStats: Sendable, Equatable {
    var count = 0
    var sum = 0.0
    var minimum = Double.infinity
    var maximum = -Double.infinity

    mutating func add(_ value: Double) {
        count += 1
        sum += value
        minimum = min(minimum, value)
        maximum = max(maximum, value)
    }

    func merged(with other: SensorStats) -> SensorStats {
        SensorStats(count: count + other.count, sum: sum + other.sum,
                    minimum: min(minimum, other.minimum), maximum: max(maximum, other.maximum))
    }

    /// Per-sensor stats of `rows` of `readings`.
    static func of(_ readings: Readings, rows: Range<Int>, sensors: Int) -> [SensorStats] {
        var stats = [SensorStats](repeating: SensorStats(), count: sensors)
        for row in rows { stats[readings.sensors[row]].add(readings.values[row]) }
        return stats
    }
}
