import Testing

/// The tests that run the real binary and kill it, one suite at a time: each waits for its child
/// processes on a thread of the cooperative pool (two on a 2-core machine), and two at once left
/// every other test without a thread until its time limit ran out.
@Suite(.serialized) enum KillTests {}
