// Package benchkit holds what the benchmark commands (bench/loadgen,
// bench/million) and the Go benchmarks share: a process's CPU time from
// /proc and the aws-sdk-go-v2 request-body workaround (ClosedBodyEOF).
// It is used only under bench/.
package benchkit
