import Operators
import StreamTesting
import Testing

@Suite struct WindowHarnessTests {
    @Test func tumblingWindowFiresAtItsLastMillisecond() {
        var harness = WindowHarness<String, Count<Int>>(.tumbling(.seconds(1)), aggregator: Count())
        harness.push(1, key: "a", at: 100)
        harness.push(1, key: "a", at: 900)
        harness.push(1, key: "b", at: 1_500)
        harness.advanceWatermark(to: 998)
        let fired1 = harness.takeResults()
        #expect(fired1.isEmpty, "not yet: the window's last millisecond is 999")
        harness.advanceWatermark(to: 999)
        let fired2 = harness.takeResults()
        #expect(fired2 == [WindowResult(window: Window(start: 0, end: 1_000), key: "a", value: 2)])
        let accepted1 = harness.push(1, key: "a", at: 999)
        #expect(!accepted1, "its window fired: late")
        #expect(harness.late == [1])
        harness.finish()
        let fired3 = harness.takeResults()
        #expect(fired3 == [WindowResult(window: Window(start: 1_000, end: 2_000), key: "b", value: 1)])
    }

    @Test func allowedLatenessUpdatesAFiredWindowThenDropsIt() {
        var harness = WindowHarness<String, Sum<Int, Int>>(.tumbling(.seconds(1)), allowedLateness: .milliseconds(500), aggregator: Sum { $0 })
        harness.push(5, key: "a", at: 10)
        harness.advanceWatermark(to: 1_200)
        let fired4 = harness.takeResults()
        #expect(fired4.map(\.value) == [5])
        let accepted2 = harness.push(7, key: "a", at: 20)
        #expect(accepted2, "within the allowed lateness")
        let fired5 = harness.takeResults()
        #expect(fired5.map(\.value) == [12], "the updated result comes at once")
        harness.advanceWatermark(to: 1_499)
        let accepted3 = harness.push(1, key: "a", at: 30)
        #expect(!accepted3, "lateness passed: the window is gone")
        #expect(harness.state.openWindowCount == 0)
    }

    @Test func sessionsMergeAcrossTheGap() {
        var harness = WindowHarness<String, Count<Int>>(.session(gap: .milliseconds(100)), aggregator: Count())
        harness.push(1, key: "a", at: 0)
        harness.push(1, key: "a", at: 250)
        harness.push(1, key: "a", at: 100)  // [100, 200) touches [0, 100): they merge; [250, 350) stays apart
        harness.finish()
        let fired6 = harness.takeResults()
        #expect(fired6 == [
            WindowResult(window: Window(start: 0, end: 200), key: "a", value: 2),
            WindowResult(window: Window(start: 250, end: 350), key: "a", value: 1),
        ])
    }

    @Test func snapshotRestoreRoundTripGivesTheSameResults() {
        var straight = WindowHarness<String, Sum<Int, Int>>(.sliding(.seconds(2), every: .seconds(1)), aggregator: Sum { $0 })
        for (index, time) in [100, 1_100, 1_900, 2_500].enumerated() { straight.push(index + 1, key: "k\(index % 2)", at: Int64(time)) }
        let snapshot = straight.state
        var restored = WindowHarness(restoring: snapshot)
        straight.push(10, key: "k0", at: 2_600)
        restored.push(10, key: "k0", at: 2_600)
        straight.finish()
        restored.finish()
        let expected = straight.takeResults()
        let fired7 = restored.takeResults()
        #expect(fired7 == expected)
        #expect(expected.count == 7, "(-1000,k0) (0,k0) (0,k1) (1000,k0) (1000,k1) (2000,k0) (2000,k1)")
    }
}

@Suite struct WatermarkTrackerTests {
    @Test func watermarkIsTheMinimumOverPartitionsAndNeverGoesBack() {
        var tracker = WatermarkTracker(strategy: .boundedOutOfOrderness(.milliseconds(10)))
        tracker.register(partition: 1, now: 0)
        tracker.observe(timestamp: 100, partition: 0, now: 0)
        #expect(tracker.watermark == EventTime.beginning, "partition 1 has nothing yet")
        tracker.observe(timestamp: 50, partition: 1, now: 0)
        #expect(tracker.watermark == 40)
        tracker.observe(timestamp: 200, partition: 1, now: 0)
        #expect(tracker.watermark == 90)
        tracker.observe(timestamp: 20, partition: 0, now: 0)
        #expect(tracker.watermark == 90, "an old timestamp does not move it back")
    }

    @Test func anIdlePartitionStopsHoldingTheWatermarkBack() {
        var tracker = WatermarkTracker(strategy: .boundedOutOfOrderness(.milliseconds(0)).idle(after: .seconds(30)))
        tracker.observe(timestamp: 1_000, partition: 0, now: 0)
        tracker.observe(timestamp: 5_000, partition: 1, now: 0)
        #expect(tracker.watermark == 1_000)
        tracker.observe(timestamp: 9_000, partition: 1, now: 29_999)
        #expect(tracker.watermark == 1_000, "partition 0 is quiet but not yet idle")
        #expect(tracker.tick(now: 30_000) == 9_000, "now it is idle")
        tracker.observe(timestamp: 2_000, partition: 0, now: 31_000)
        #expect(tracker.watermark == 9_000, "it comes back, but the watermark never goes back")
        tracker.finish()
        #expect(tracker.watermark == EventTime.end)
    }
}
