// Command guiderun turns a guide of docs/ into the shell script that runs
// it, so that every command a guide shows is the command CI runs
// (docs/run-guides.sh calls it):
//
//	go run ./tools/guiderun [-sub OLD=NEW]... GUIDE.md > script.sh
//
// The guide's fenced blocks, in order, become:
//
//   - ```sh — the commands, run as written (after the substitutions);
//   - ```LANG file=NAME — a file the guide asks the reader to create,
//     written under NAME in the working directory;
//   - ```LANG from=PATH — an excerpt of a file of the repository (a test
//     that runs it): guiderun fails unless the block appears verbatim in
//     PATH, so that the code a guide shows is the code a test runs;
//   - any other block (```text, ```console ...) is shown only.
//
// In a run block, a command whose last line ends in "# -> TEXT" states its
// output: the script prints it and fails unless it is exactly TEXT.
//
// -sub replaces a string in run blocks and files (run-guides.sh uses it to
// move the guides' fixed ports and database names to free ones). The
// script runs with set -euo pipefail, echoes each block before running it,
// and kills the background jobs the guide started when it ends.
//
// It imports only the standard library.
package main
