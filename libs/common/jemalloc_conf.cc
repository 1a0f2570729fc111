// jemalloc's options for the services that link it (bridgework_service_binary
// compiles this file into them; docs/adr/2026-11-24-services-allocate-with-
// jemalloc.md). jemalloc reads this symbol once, at its first allocation;
// MALLOC_CONF in the environment is applied after it and wins.
//
// Freed pages go back to the system after 1 s instead of jemalloc's 10 s,
// and without the "muzzy" stage in between: a service's batches come and go
// many times a second on several threads, and the pages they held kept the
// auditor's peak RSS 30 MB higher at 2,000,000 records (docs/benchmarks.md,
// "Sixteenth session") at no measurable CPU saving.
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's (malloc_conf(3)).
const char* malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0";
}
