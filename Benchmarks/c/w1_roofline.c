/* W1's yardstick: the whole job as one plain single-threaded C loop. It maps the CSV file
 * (`ts_ms,key,value`), keeps one open-addressing hash table per open 1 s window, fires a window
 * when the watermark (largest time seen − 2 s) reaches its last millisecond, and writes
 * `window_start_ms,key,count,sum` lines to the output file, windows in order. Prints events,
 * rows, seconds and events/s (nothing with -q). `stream-job bench window --against-c` builds and
 * runs it in the same run as the engine and prints the ratio.
 *
 *   cc -O2 -o w1_roofline w1_roofline.c && ./w1_roofline bench-data/w1-10000000-seed42.csv out.csv
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEY_MAX 24
#define SLOTS 32768 /* a power of two, more than twice the keys of a window */
#define OPEN_MAX 16

struct entry { char key[KEY_MAX]; uint8_t length; uint8_t used; int64_t count, sum; };
struct window { int64_t start; int open; int used_count; int *order; struct entry *slots; };

static struct window windows[OPEN_MAX];
static FILE *out;
static char outbuf[1 << 16];
static size_t outlen;
static int64_t rows;

static void emit(const char *text, size_t n) {
    if (outlen + n > sizeof outbuf) { fwrite(outbuf, 1, outlen, out); outlen = 0; }
    memcpy(outbuf + outlen, text, n); outlen += n;
}

static uint64_t hash_key(const char *p, size_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) { h ^= (uint8_t)p[i]; h *= 1099511628211ULL; }
    return h;
}

static struct window *window_for(int64_t start) {
    struct window *free_slot = NULL;
    for (int i = 0; i < OPEN_MAX; i++) {
        if (windows[i].open && windows[i].start == start) return &windows[i];
        if (!windows[i].open && !free_slot) free_slot = &windows[i];
    }
    if (!free_slot) { fprintf(stderr, "too many open windows\n"); exit(1); }
    free_slot->open = 1; free_slot->start = start; free_slot->used_count = 0;
    if (!free_slot->slots) { free_slot->slots = calloc(SLOTS, sizeof(struct entry)); free_slot->order = malloc(SLOTS * sizeof(int)); }
    return free_slot;
}

static void fire(struct window *w) {
    char line[96];
    for (int i = 0; i < w->used_count; i++) {
        struct entry *e = &w->slots[w->order[i]];
        int n = snprintf(line, sizeof line, "%lld,%.*s,%lld,%lld\n", (long long)w->start, e->length, e->key,
                         (long long)e->count, (long long)e->sum);
        emit(line, (size_t)n);
        e->used = 0;
        rows++;
    }
    w->open = 0;
}

/* Fires, in window order, every open window whose last millisecond the watermark reached. */
static void advance(int64_t watermark) {
    for (;;) {
        struct window *first = NULL;
        for (int i = 0; i < OPEN_MAX; i++)
            if (windows[i].open && windows[i].start + 999 <= watermark && (!first || windows[i].start < first->start)) first = &windows[i];
        if (!first) return;
        fire(first);
    }
}

static int64_t parse_int(const char **p) {
    int64_t v = 0; int neg = 0;
    if (**p == '-') { neg = 1; (*p)++; }
    while (**p >= '0' && **p <= '9') { v = v * 10 + (**p - '0'); (*p)++; }
    return neg ? -v : v;
}

int main(int argc, char **argv) {
    int quiet = argc == 4 && strcmp(argv[3], "-q") == 0;
    if (argc != 3 && !quiet) { fprintf(stderr, "usage: %s input.csv output.csv [-q]\n", argv[0]); return 2; }
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) { perror(argv[1]); return 1; }
    struct stat st; fstat(fd, &st);
    const char *data = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : "";
    const char *p = data, *end = data + st.st_size;
    out = fopen(argv[2], "wb");
    if (!out) { perror(argv[2]); return 1; }
    int64_t events = 0, highest = INT64_MIN;
    int64_t watermark = INT64_MIN;
    while (p < end) {
        int64_t ts = parse_int(&p); p++;
        const char *key = p; while (*p != ',') p++;
        size_t length = (size_t)(p - key); p++;
        int64_t value = parse_int(&p);
        while (p < end && *p != '\n') p++;
        p++;
        /* The watermark before this event fires what it reached, as the engine does. */
        if (watermark > INT64_MIN) advance(watermark);
        int64_t start = ts - (((ts % 1000) + 1000) % 1000);
        if (start + 999 > watermark) { /* never late here: the disorder is within the bound */
            struct window *w = window_for(start);
            uint64_t slot = hash_key(key, length) & (SLOTS - 1);
            while (w->slots[slot].used && (w->slots[slot].length != length || memcmp(w->slots[slot].key, key, length) != 0))
                slot = (slot + 1) & (SLOTS - 1);
            struct entry *e = &w->slots[slot];
            if (!e->used) { e->used = 1; e->length = (uint8_t)length; memcpy(e->key, key, length); e->count = 0; e->sum = 0; w->order[w->used_count++] = (int)slot; }
            e->count++; e->sum += value;
        }
        events++;
        if (ts > highest) { highest = ts; watermark = highest - 2000 - 1; }
    }
    advance(INT64_MAX);
    fwrite(outbuf, 1, outlen, out);
    fclose(out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!quiet) printf("events=%lld rows=%lld seconds=%.3f events_per_s=%.0f\n", (long long)events, (long long)rows, seconds, (double)events / seconds);
    return 0;
}
