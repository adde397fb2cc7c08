// Package bench holds userpoold's benchmarks: in-process benchmarks of hot
// operations through HTTP and the real SDK (bench_test.go), and loadgen, a
// load generator that drives any Cognito-compatible endpoint so that
// userpoold can be compared with other servers on one machine (README.md).
package bench
