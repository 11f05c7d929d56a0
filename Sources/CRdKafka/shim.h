// The librdkafka C API as one Swift module: the client (rdkafka.h) and the in-process mock cluster
// (rdkafka_mock.h) that serves as the embedded broker for tests and demos.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
