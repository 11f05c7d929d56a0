import Stream
import Testing

/// The sentences that say why a window step's windows are not firing.
@Suite struct WatermarkExplanationTests {
    static let now: Int64 = 1_800_000_000_000

    static func partition(_ name: String, latest: Int64?, silentFor: Int64? = nil, delay: Int64 = 2_000, idle: Int64? = nil,
                          isIdle: Bool = false) -> PartitionProgress {
        PartitionProgress(source: "clicks", partition: name, maxTimestamp: latest, lastRecordAt: silentFor.map { now - $0 },
                          outOfOrderness: delay, idleTimeout: idle, isIdle: isIdle)
    }

    static func window(watermark: Int64?, next: Int64?, length: Int64 = 5_000, rate: Double? = 1_000) -> WindowProgress {
        WindowProgress(step: "per-page", watermark: watermark, nextWindowEnd: next, windowLength: length, watermarkRate: rate)
    }

    @Test func aSilentPartitionWithoutIdlenessIsNamedWithTheSettingToChange() {
        let text = WatermarkExplanation.explain(Self.window(watermark: nil, next: Self.now + 5_000),
                                                partitions: [Self.partition("clicks[0]", latest: Self.now, silentFor: 10),
                                                             Self.partition("clicks[1]", latest: nil)], now: Self.now)
        #expect(text[0] == "The watermark is held by clicks[1] of source 'clicks', which has sent nothing since the job started.")
        #expect(text[1].hasPrefix("No idleness is set, so a silent partition holds the windows for ever: give the watermark strategy .idle(after:)"))
        #expect(text.last == "The earliest open window of step 'per-page' ends at \(Self.now + 5_000); it fires once the watermark reaches \(Self.now + 4_999), and there is no watermark yet.")
    }

    @Test func idlenessSaysWhenItWillReleaseThePartition() {
        let text = WatermarkExplanation.explain(Self.window(watermark: Self.now - 60_000, next: Self.now - 55_000),
                                                partitions: [Self.partition("clicks[0]", latest: Self.now, silentFor: 10, idle: 30_000),
                                                             Self.partition("clicks[1]", latest: Self.now - 58_000, silentFor: 12_000, idle: 30_000)],
                                                now: Self.now)
        #expect(text[0] == "The watermark is held at \(Self.now - 60_000) by clicks[1] of source 'clicks': its latest event time is \(Self.now - 58_000), and it last sent a record 12.0 s ago.")
        #expect(text[1] == "Idleness is set to 30.0 s: it will be left out in about 18.0 s if it stays silent.")
        // 3 s of event time to go at 1 s a second.
        #expect(text.last?.hasSuffix("at the current rate (1.0 s of event time a second) it fires in about 5.0 s.") == true, "\(text)")
    }

    @Test func eventTimeInSecondsIsCaught() {
        let text = WatermarkExplanation.explain(Self.window(watermark: 1_700_000_000 - 2_000, next: 1_700_000_005),
                                                partitions: [Self.partition("clicks[0]", latest: 1_700_000_000, silentFor: 10)], now: Self.now)
        #expect(text.contains { $0.hasPrefix("The event times of clicks[0] of source 'clicks' look like seconds, not milliseconds") })
    }

    @Test func aDelayLongerThanTheWindowIsCaught() {
        let text = WatermarkExplanation.explain(Self.window(watermark: Self.now - 30_000, next: Self.now - 25_000, length: 5_000),
                                                partitions: [Self.partition("clicks[0]", latest: Self.now, silentFor: 10, delay: 30_000)], now: Self.now)
        #expect(text.contains { $0.hasPrefix("The allowed disorder (30.0 s) is longer than the window (5.0 s)") })
    }

    @Test func aSourceFarBehindIsSaidToBe() {
        let behind = Self.now - 3 * 3_600_000
        let text = WatermarkExplanation.explain(Self.window(watermark: behind, next: behind + 5_000, rate: 0),
                                                partitions: [Self.partition("clicks[0]", latest: behind + 2_000, silentFor: 10)], now: Self.now)
        #expect(text.contains("The watermark is 3.0 h behind processing time: the input is far behind (catching up, or old data)."))
        #expect(text.last?.hasSuffix("which has not moved in the last minute: it fires only when the watermark moves.") == true)
    }
}
