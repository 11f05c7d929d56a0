#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An OS thread running one closure, which can be joined.
///
/// Runtime workers are plain threads, not Swift tasks: task bodies are synchronous and may run
/// for a while, and they must not starve the cooperative pool that async code relies on.
final class WorkerThread: Sendable {
    private let handle: pthread_t

    private final class Context {
        let body: @Sendable () -> Void
        init(body: @escaping @Sendable () -> Void) { self.body = body }
    }

    init(body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Context(body: body)).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let status = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<Context>.fromOpaque(raw!).takeRetainedValue()
            context.body()
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed with \(status)")
        #if canImport(Glibc)
        handle = thread
        #else
        handle = thread!
        #endif
    }

    /// Waits until the thread's closure has returned.
    func join() {
        pthread_join(handle, nil)
    }

    /// Lets the thread's resources go when it ends, without anyone waiting for it.
    func detach() {
        pthread_detach(handle)
    }

    /// Whether the caller is running on this thread.
    var isCurrent: Bool { pthread_equal(handle, pthread_self()) != 0 }
}

/// The worker whose thread is running, found through a thread-specific slot.
enum CurrentWorker {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    static func set(_ worker: Worker?) {
        pthread_setspecific(key, worker.map { Unmanaged.passUnretained($0).toOpaque() })
    }

    /// The worker of the calling thread; nil outside the runtime's threads.
    static var current: Worker? {
        pthread_getspecific(key).map { Unmanaged<Worker>.fromOpaque($0).takeUnretainedValue() }
    }
}
