// Package bench is the contract between hikyaku's two benchmark tools,
// `hikyaku bench send` (package load) and `hikyaku bench sink` (package
// sink): the X-Bench-Sent header the load generator stamps on every
// message, and the statistics document the sink serves on GET /stats,
// from which the load generator reads how many of its messages were
// delivered and how long they took.
//
// The protocol, in full:
//
//  1. Every message `bench send` submits carries one header field
//     "X-Bench-Sent: MICROS RUN": MICROS is the Unix time in microseconds
//     at which the sender began to submit the message, RUN the run's
//     identifier (letters and digits), the same for all messages of one
//     invocation. The MTA under test passes it through unchanged.
//  2. The sink, on taking a message (its 250 reply to the end of DATA),
//     records arrival − MICROS in a latency histogram, in total and for
//     RUN.
//  3. GET /stats?run=RUN on the sink's HTTP listener returns a Stats
//     document (JSON) whose Runs map holds that run alone; GET /stats
//     returns every run the sink remembers (the most recent 64).
//
// Latencies are differences of two wall clocks, so they mean something
// only when sender and sink share a clock (the same machine) or keep
// theirs synchronised.
package bench
