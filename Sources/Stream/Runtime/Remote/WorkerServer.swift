#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The loop a worker process runs: it reads `run` frames from the job's socket, runs each
/// registered function in turn, one at a time, and writes the results back. Results are
/// written when no whole frame is left to run, or when a millisecond has passed since the last
/// write, so the job sees each task end within about a millisecond (what its per-task time
/// limit and its search for the task that killed a worker rely on).
///
/// ```swift
/// WorkerServer.serve(socket: 3)   // returns when the job closes the socket
/// ```
public enum WorkerServer {
    public static func serve(socket fd: Int32 = WorkerLaunch.socketDescriptor) {
        prepareProcess()
        var reader = FrameReader()
        var output: [UInt8] = []
        output.reserveCapacity(1 << 16)
        var lastWrite = SocketIO.now()
        var handlers: [String: RemoteHandler] = [:]
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { chunk.deallocate() }

        func flush() -> Bool {
            defer { output.removeAll(keepingCapacity: true); lastWrite = SocketIO.now() }
            return output.isEmpty || output.withUnsafeBytes { SocketIO.writeAll(fd, $0) }
        }

        while true {
            let count = SocketIO.read(fd, into: chunk)
            guard count > 0 else { return }
            reader.append(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
            do {
                while let frame = try reader.next() {
                    guard frame.kind == .run else { throw WireFrameError(message: "a worker got a \(frame.kind) frame") }
                    let (name, input) = try frame.runRequest()
                    let handler = handlers[name] ?? RemoteFunctions.handler(named: name)
                    guard let handler else {
                        WireFrame.append(.unknownFunction, task: frame.task, payload: Array(name.utf8), to: &output)
                        continue
                    }
                    handlers[name] = handler
                    do {
                        let result = try handler.call(input)
                        WireFrame.append(.result, task: frame.task, payload: result, to: &output)
                    } catch {
                        WireFrame.append(.failure, task: frame.task, payload: Array("\(error)".utf8), to: &output)
                    }
                    if output.count >= 1 << 16 || SocketIO.now() - lastWrite >= 1_000_000 {
                        guard flush() else { return }
                    }
                }
            } catch {
                let message = "stream worker: \(error)\n"
                _ = message.withCString { write(2, $0, strlen($0)) }
                return
            }
            guard flush() else { return }
        }
    }
}

extension WorkerServer {
    /// Applies the memory limit the job set, and starts a thread that ends the worker if the
    /// job dies (a task looping for ever would otherwise outlive it).
    static func prepareProcess() {
        if let text = getenv(WorkerLaunch.memoryLimitVariable), let bytes = Int(String(cString: text)), bytes > 0 {
            var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
            #if canImport(Glibc)
            _ = setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
            #else
            _ = setrlimit(RLIMIT_AS, &limit)
            #endif
        }
        let parent = getppid()
        WorkerThread {
            while getppid() == parent { usleep(100_000) }
            _exit(70)
        }.detach()
    }
}
