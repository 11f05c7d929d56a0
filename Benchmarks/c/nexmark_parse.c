/* The floor for reading Nexmark's bid.csv on one core: read the file in 1 MiB pieces, split
 * each line into its 7 fields, parse the 4 integers, copy the 3 text fields into their own
 * heap blocks (as a record with owned strings must), and run q2's filter (auction % 123 == 0)
 * and a checksum over every bid. Prints bids, q2 rows, seconds and bids/s (nothing with -q).
 * `stream-job bench nexmark` builds and runs it as the yardstick for the queries' figures.
 *
 *   cc -O2 -o nexmark_parse nexmark_parse.c && ./nexmark_parse bench-data/nexmark-10000000/bid.csv
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bid { int64_t auction, bidder, price, date_time; char *channel, *url, *extra; };

static int64_t parse_int(const char *p, const char *end) {
    int64_t value = 0; int negative = 0;
    if (p < end && *p == '-') { negative = 1; p++; }
    for (; p < end; p++) value = value * 10 + (*p - '0');
    return negative ? -value : value;
}

static char *copy_text(const char *p, const char *end) {
    size_t n = (size_t)(end - p);
    char *s = malloc(n + 1);
    memcpy(s, p, n); s[n] = 0;
    return s;
}

int main(int argc, char **argv) {
    int quiet = argc == 3 && strcmp(argv[2], "-q") == 0;
    if (argc != 2 && !quiet) { fprintf(stderr, "usage: %s bid.csv [-q]\n", argv[0]); return 2; }
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 1; }
    struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t cap = 1 << 20, have = 0;
    char *buf = malloc(cap);
    int64_t bids = 0, q2 = 0; uint64_t checksum = 0;
    for (;;) {
        size_t got = fread(buf + have, 1, cap - have, file);
        have += got;
        if (have == 0) break;
        char *line = buf, *limit = buf + have;
        for (;;) {
            char *nl = memchr(line, '\n', (size_t)(limit - line));
            if (!nl) { if (got == 0 && line < limit) nl = limit; else break; }
            const char *field[8]; int n = 0; const char *p = line;
            field[n++] = p;
            while (n < 8 && (p = memchr(p, ',', (size_t)(nl - p))) != NULL) { field[n++] = ++p; }
            if (n == 7) {
                field[7] = nl + 1;
                struct bid b;
                b.auction = parse_int(field[0], field[1] - 1);
                b.bidder = parse_int(field[1], field[2] - 1);
                b.price = parse_int(field[2], field[3] - 1);
                b.channel = copy_text(field[3], field[4] - 1);
                b.url = copy_text(field[4], field[5] - 1);
                b.date_time = parse_int(field[5], field[6] - 1);
                b.extra = copy_text(field[6], nl);
                bids++;
                if (b.auction % 123 == 0) q2++;
                checksum += (uint64_t)(b.auction ^ b.bidder ^ b.price ^ b.date_time) + (uint8_t)b.extra[0];
                free(b.channel); free(b.url); free(b.extra);
            }
            line = nl + 1;
            if (line >= limit) break;
        }
        have = (size_t)(limit > line ? limit - line : 0);
        memmove(buf, line, have);
        if (got == 0) break;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (!quiet) printf("bids=%lld q2=%lld checksum=%llu seconds=%.3f bids_per_s=%.0f\n", (long long)bids, (long long)q2,
           (unsigned long long)checksum, seconds, (double)bids / seconds);
    return 0;
}
