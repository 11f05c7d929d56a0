import Dispatch
import Foundation
import Stream
import Synchronization

/// SIGINT and SIGTERM stop the job gracefully: the first asks it to stop reading, drain, take a
/// final checkpoint and commit; a second one exits at once (code 130).
final class GracefulStop {
    private let sources: [any DispatchSourceSignal]

    init(control: RunControl, message: String = "stopping: draining and taking a final checkpoint (signal again to stop at once)") {
        let signals = [SIGINT, SIGTERM]
        let received = Counter()
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if received.increment() == 1 {
                    FileHandle.standardError.write(Data((message + "\n").utf8))
                    control.stop()
                } else {
                    ProcessExit.now(130)
                }
            }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}

/// Counts signals; shared with the handlers, which run on a dispatch queue.
private final class Counter: Sendable {
    private let value = Atomic(0)

    func increment() -> Int { value.add(1, ordering: .relaxed).newValue }
}
