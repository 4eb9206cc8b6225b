package main

import (
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/crypto"
)

// cacheCommand is "stakesim cache info|clear", for the BLS key cache.
func cacheCommand(stdout io.Writer) *cli.Command {
	noArgs := func(f func(dir string) error) cli.ActionFunc {
		return func(c *cli.Context) error {
			if c.Args().Present() {
				return badInput(fmt.Errorf("cache %s takes no arguments", c.Command.Name))
			}
			dir, err := crypto.KeyCacheDir()
			if err != nil {
				return fmt.Errorf("no key cache directory: %w (set %s)", err, crypto.CacheDirEnv)
			}
			return f(dir)
		}
	}
	return &cli.Command{
		Name:  "cache",
		Usage: "show or clear the BLS key cache (keys of runs with BLS on and at least 16,384 validators)",
		Subcommands: []*cli.Command{
			{Name: "info", Usage: "list the key cache's files and their size", ArgsUsage: " ",
				Action: noArgs(func(dir string) error { return cacheInfo(stdout, dir) })},
			{Name: "clear", Usage: "remove the key cache's files (later runs derive their keys again)", ArgsUsage: " ",
				Action: noArgs(func(dir string) error { return cacheClear(stdout, dir) })},
		},
	}
}

// cacheInfo prints the key cache directory and its files.
func cacheInfo(w io.Writer, dir string) error {
	files, err := crypto.ListKeyCache(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "key cache: %s\n", dir)
	var total int64
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(files) > 0 {
		fmt.Fprintln(tw, "  SEED\tKEYS\tSIZE\tLAST USED")
	}
	for _, f := range files {
		total += f.Bytes
		seed, keys, note := fmt.Sprint(f.Seed), fmt.Sprint(f.Keys), ""
		switch {
		case f.Temp:
			seed, keys, note = "-", "-", "being written, or left by a run that stopped"
		case !f.Current:
			note = "other stakesim version: never loaded"
		}
		if note != "" {
			note = "\t" + note
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s%s\n", seed, keys, formatBytes(uint64(f.Bytes)), f.Used.Format("2006-01-02 15:04"), note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s, %s (at most %s: the least recently used go first)\n"+
		"Runs with BLS on and at least %d keys load their keys here, or derive and store them\n"+
		"(%d bytes a key: 128 MB for a million). --no-key-cache skips it, %s=DIR moves it\n"+
		"to DIR/keys, stakesim cache clear empties it.\n",
		plural(len(files), "file"), formatBytes(uint64(total)), formatBytes(uint64(crypto.DefaultCacheMaxBytes)),
		crypto.DefaultCacheMinKeys, crypto.KeyCacheBytesPerKey, crypto.CacheDirEnv)
	return err
}

// cacheClear removes the key cache's files.
func cacheClear(w io.Writer, dir string) error {
	n, size, err := crypto.ClearKeyCache(dir)
	if _, perr := fmt.Fprintf(w, "removed %s, %s, from %s\n", plural(n, "file"), formatBytes(uint64(size)), dir); perr != nil {
		return errors.Join(err, perr)
	}
	return err
}

// plural is "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
