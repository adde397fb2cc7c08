// Package bench holds userpoold's benchmarks: in-process benchmarks of hot
// operations through HTTP and the real SDK (bench_test.go); loadgen, a load
// generator that drives any Cognito-compatible endpoint with aws-sdk-go-v2;
// floor, a do-nothing AWS JSON server that answers every operation with a
// canned response, the ceiling no server can pass on a machine; and
// compare.sh, which measures userpoold, the floor and cognito-local in one
// interleaved run and prints each as a fraction of the floor (README.md).
package bench
