import CAllocatorTuning

/// Tunes glibc's allocator for a streaming job: batches allocate and free arrays of a few
/// hundred kilobytes all the time, which glibc by default hands out with `mmap` and returns with
/// `munmap`, so every batch paid fresh page faults (W1 at 10M events: about 120,000 a run, 7–11 %
/// of its cycles). Serving those below 4 MB from the heap, and trimming it only
/// past 32 MB free, keeps the pages (W1: about 24,000 faults); the cost is a few more megabytes
/// resident. Does nothing off glibc.
enum AllocatorTuning {
    static func apply() {
        _ = stream_tune_allocator(4 << 20, 32 << 20)
    }
}
