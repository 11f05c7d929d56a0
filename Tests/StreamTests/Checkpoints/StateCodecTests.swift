import PropertyBased
import Testing
@testable import Stream

/// The binary state format round-trips what checkpoints hold and what users' state types use.
@Suite struct StateCodecTests {
    enum Shape: Codable, Equatable {
        case point
        case circle(radius: Double)
        case labelled(String, sides: Int?)
    }

    struct Everything: Codable, Equatable {
        var int: Int
        var negative: Int64
        var unsigned: UInt64
        var small: Int32
        var double: Double
        var flag: Bool
        var text: String
        var optional: Int?
        var missing: String?
        var list: [Int?]
        var nested: [[String]]
        var byName: [String: Int]
        var byNumber: [Int: [Double]]
        var shapes: [Shape]
        var bytes: [UInt8]
        var set: Set<Int>
    }

    static let sample = Everything(
        int: 0, negative: -5, unsigned: .max, small: -7, double: -0.25, flag: true, text: "héllo, \"wörld\"\n",
        optional: 0, missing: nil, list: [0, nil, 3], nested: [[], ["a", ""]], byName: ["": 0, "x": -1],
        byNumber: [3: [1.5], -2: []], shapes: [.point, .circle(radius: 2), .labelled("tri", sides: 3), .labelled("", sides: nil)],
        bytes: [0, 255, 7], set: [1, 2, 3])

    @Test func everyKindOfValueRoundTrips() throws {
        let bytes = try StateCodec.encode(Self.sample, step: "s")
        #expect(try StateCodec.decode(Everything.self, from: bytes, step: "s") == Self.sample)
    }

    @Test func checkpointedStateRoundTrips() throws {
        var state = KeyedState<String, [Int]>()
        state["a"] = [1, 2]
        state["b"] = []
        var timers = TimerQueue<String>()
        timers.insert(KeyedTimer(key: "a", time: 10, domain: .eventTime, keyGroup: 3))
        timers.insert(KeyedTimer(key: "b", time: 5, domain: .processingTime, keyGroup: 9))
        let snapshot = ProcessSnapshot(state: state, timers: timers)
        let back = try StateCodec.decode(ProcessSnapshot<String, [Int]>.self, from: StateCodec.encode(snapshot, step: "p"), step: "p")
        #expect(back.state["a"] == [1, 2] && back.state["b"] == [] && back.state.count == 2)
        #expect(back.state.entries["a"]?.keyGroup == KeyGroups().group(of: "a"))
        #expect(back.timers.timers == timers.timers)
        #expect(back.timers.sorted.filter { $0.domain == .eventTime }.map(\.time) == [10])
    }

    @Test func randomRecordsRoundTrip() async {
        await propertyCheck(input: Gen.int(in: -1_000_000...1_000_000).array(of: 0...50), Gen.int(in: 0...3)) { numbers, mode in
            let text = numbers.map(String.init).joined(separator: mode == 0 ? "," : "\u{1F600}")
            let value = Everything(
                int: numbers.first ?? 0, negative: Int64(numbers.last ?? 0), unsigned: UInt64(numbers.count), small: Int32(mode),
                double: Double(numbers.reduce(0, +)) / 7, flag: mode.isMultiple(of: 2), text: text,
                optional: numbers.count > 3 ? numbers[3] : nil, missing: mode == 1 ? text : nil,
                list: numbers.map { $0.isMultiple(of: 3) ? nil : $0 }, nested: [numbers.map(String.init)],
                byName: Dictionary(numbers.map { (String($0), $0) }, uniquingKeysWith: { a, _ in a }),
                byNumber: Dictionary(numbers.map { ($0, [Double($0)]) }, uniquingKeysWith: { a, _ in a }),
                shapes: numbers.prefix(3).map { .circle(radius: Double($0)) }, bytes: numbers.map { UInt8(truncatingIfNeeded: $0) },
                set: Set(numbers))
            let back = try StateCodec.decode(Everything.self, from: StateCodec.encode(value, step: "r"), step: "r")
            #expect(back == value)
        }
    }

    @Test func damagedOrForeignBytesAreRefusedNamingTheStep() throws {
        var bytes = try StateCodec.encode(Self.sample, step: "s")
        bytes[0] = 9
        #expect(throws: StreamError.self) { try StateCodec.decode(Everything.self, from: bytes, step: "s") }
        let truncated = Array(try StateCodec.encode(Self.sample, step: "s").dropLast(3))
        let error = #expect(throws: StreamError.self) { try StateCodec.decode(Everything.self, from: truncated, step: "dedupe") }
        #expect(error?.step == "dedupe")
        // Another type's state: the field names do not match.
        let other = try StateCodec.encode(ProcessSnapshot(state: KeyedState<String, Int>(), timers: TimerQueue()), step: "s")
        #expect(throws: StreamError.self) { try StateCodec.decode(Everything.self, from: other, step: "s") }
    }
}
