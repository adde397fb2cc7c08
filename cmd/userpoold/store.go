package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/userpoold/userpoold/internal/config"
	"github.com/userpoold/userpoold/internal/export"
	"github.com/userpoold/userpoold/internal/server"
	sqlstore "github.com/userpoold/userpoold/internal/storage/sql"
)

// This file holds the subcommands that work on a store directly, with the
// server's own configuration flags (--data, --db, --master-key-file, ...,
// or --config): backup, restore and export.

// storeCommand parses a store subcommand's arguments: the configuration
// flags, the subcommand's own (defined by flags on fs) and the positional
// arguments, of which it wants exactly nargs. It returns 0 to go on, or the
// exit status.
func storeCommand(fs *flag.FlagSet, args []string, nargs int, getenv func(string) string, stderr io.Writer) (config.Config, int) {
	fs.SetOutput(stderr)
	cfg, err := config.LoadFlags(fs, args, getenv, nil)
	if errors.Is(err, flag.ErrHelp) {
		return cfg, -1
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", fs.Name(), err)
		return cfg, 2
	}
	if fs.NArg() != nargs {
		fmt.Fprintf(stderr, "%s: want %d argument(s), got %q (see -h)\n", fs.Name(), nargs, fs.Args())
		return cfg, 2
	}
	return cfg, 0
}

// sqlitePath is the SQLite file of cfg's store, or an explanation for
// PostgreSQL, where pg_dump and pg_restore do the job.
func sqlitePath(cfg config.Config, what string) (string, error) {
	path, ok := sqlstore.SQLitePath(server.StoreDSN(cfg))
	if !ok {
		return "", fmt.Errorf("the store is PostgreSQL: %s it with pg_dump and pg_restore (see the README), which copy a running database consistently", what)
	}
	return path, nil
}

// runBackup implements "userpoold backup FILE": a consistent copy of the
// SQLite store, taken while a server may be running on it.
func runBackup(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("userpoold backup", flag.ContinueOnError)
	force := fs.Bool("force", false, "replace FILE if it exists")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: userpoold backup [flags] FILE\n\nCopies the SQLite store consistently while a server runs on it (SQLite's online backup).\nFlags name the store as for serving (--data, --db, --config, ...):")
		fs.PrintDefaults()
	}
	cfg, code := storeCommand(fs, args, 1, getenv, stderr)
	if code != 0 {
		return max(code, 0)
	}
	src, err := sqlitePath(cfg, "back")
	if err != nil {
		fmt.Fprintln(stderr, "userpoold backup:", err)
		return 1
	}
	dst := fs.Arg(0)
	if *force {
		if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(stderr, "userpoold backup:", err)
			return 1
		}
	}
	info, err := sqlstore.BackupSQLite(context.Background(), src, dst)
	if err != nil {
		fmt.Fprintln(stderr, "userpoold backup:", err)
		return 1
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, schema version %d)\n", src, dst, info.Bytes, info.Version)
	fmt.Fprintf(stdout, "its secrets open only with the master key (%s): keep a copy of the key apart from the backup\n", masterKeyWhere(cfg))
	return 0
}

// runRestore implements "userpoold restore FILE": the SQLite store is
// replaced by a backup, which must be intact and open with the configured
// master key; refused while a server runs on the store.
func runRestore(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("userpoold restore", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: userpoold restore [flags] FILE\n\nReplaces the SQLite store with a backup; stop the server first. The previous database is kept beside it.\nFlags name the store as for serving (--data, --db, --config, ...):")
		fs.PrintDefaults()
	}
	cfg, code := storeCommand(fs, args, 1, getenv, stderr)
	if code != 0 {
		return max(code, 0)
	}
	dst, err := sqlitePath(cfg, "restore")
	if err != nil {
		fmt.Fprintln(stderr, "userpoold restore:", err)
		return 1
	}
	ctx := context.Background()
	if _, err := server.ReadMasterKey(cfg); err != nil {
		fmt.Fprintf(stderr, "userpoold restore: %v\nthe backup opens only with the master key it was written with: put it at %s or name it with --master-key-file\n", err, masterKeyWhere(cfg))
		return 1
	}
	if cfg.DB == "" {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			fmt.Fprintln(stderr, "userpoold restore:", err)
			return 1
		}
	}
	previous, err := sqlstore.RestoreSQLite(ctx, fs.Arg(0), dst, func(copy string) error {
		return server.CheckSQLiteFile(ctx, cfg, copy)
	})
	if err != nil {
		fmt.Fprintln(stderr, "userpoold restore:", err)
		return 1
	}
	fmt.Fprintf(stdout, "restored %s into %s\n", fs.Arg(0), dst)
	if previous != "" {
		fmt.Fprintf(stdout, "the previous database is kept as %s\n", previous)
	}
	return 0
}

// runExport implements "userpoold export": every user (of the pools
// named with --pool) as JSON lines without secrets.
func runExport(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("userpoold export", flag.ContinueOnError)
	var pools stringList
	fs.Var(&pools, "pool", "export only this pool (repeatable; default every pool)")
	out := fs.String("out", "-", "file to write (- is standard output)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: userpoold export [flags]\n\nWrites every user as one JSON object per line, without secrets; works while a server runs.\nFlags name the store as for serving (--data, --db, --config, ...):")
		fs.PrintDefaults()
	}
	cfg, code := storeCommand(fs, args, 0, getenv, stderr)
	if code != 0 {
		return max(code, 0)
	}
	ctx := context.Background()
	store, err := server.OpenStore(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fmt.Fprintln(stderr, "userpoold export:", err)
		return 1
	}
	defer store.Close()
	w := stdout
	var f *os.File
	if *out != "-" {
		if f, err = os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			fmt.Fprintln(stderr, "userpoold export:", err)
			return 1
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	st, err := export.Users(ctx, store, bw, pools)
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "userpoold export:", err)
		return 1
	}
	fmt.Fprintf(stderr, "exported %d users of %d pools\n", st.Users, st.Pools)
	return 0
}

// masterKeyWhere says where cfg's master key comes from.
func masterKeyWhere(cfg config.Config) string {
	switch {
	case cfg.MasterKey != "":
		return "given with --master-key"
	case cfg.MasterKeyFile != "":
		return cfg.MasterKeyFile
	default:
		return cfg.DataDir + string(os.PathSeparator) + "master.key"
	}
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
