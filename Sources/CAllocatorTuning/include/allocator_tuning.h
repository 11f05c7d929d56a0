#ifndef STREAM_ALLOCATOR_TUNING_H
#define STREAM_ALLOCATOR_TUNING_H

/* Serve allocations below `mmap_threshold` bytes from the heap and trim it only past
 * `trim_threshold` free bytes (glibc's mallopt; malloc.h is not in Swift's Glibc module).
 * Returns 1 if both took, 0 otherwise (or off glibc). */
int stream_tune_allocator(int mmap_threshold, int trim_threshold);

#endif
