// Command stakesim runs Ethereum proof-of-stake scenarios.
//
//	stakesim run baseline --seed 7 --epochs 20
//	stakesim run partition-50-50 --narrate
//	stakesim explain offline-20
//	stakesim scenarios
//	stakesim show baseline > my.yaml
//	stakesim validate my.yaml
//	stakesim version
//
// "run --narrate" tells the run's story on stdout while it runs, one line
// per meaningful change ("epoch 7: finality stalls: ..."), and ends it with
// a paragraph on the whole run before the usual summary; the header stays on
// stderr and the progress display is off. "explain" prints what a scenario
// (a built-in name or a file) demonstrates, its params with their ranges,
// the command to run it, and the output columns, events and summary fields
// worth watching.
//
// Exit codes: 0 success; 130 a run interrupted by SIGINT or SIGTERM (it
// finishes the epoch it is in and writes the outputs of the completed
// epochs, with interrupted: true in summary.json); 2 bad input (a scenario error, an unknown scenario,
// a bad flag or --set value, a non-empty --out without --force, a --force
// on a directory stakesim did not write, an --out that is the working
// directory or one of its ancestors, a file or unwritable place); 1 a run
// that failed. Errors are printed as "stakesim: MESSAGE" on stderr, never with a
// stack trace.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/internal/output"
	"github.com/stakesim/stakesim/scenarios"
)

// Exit codes.
const (
	exitOK         = 0
	exitRunFailure = 1
	exitBadInput   = 2
	// exitInterrupted is the shell's code for a process ended by SIGINT
	// (128 + 2): a run that stopped early on SIGINT or SIGTERM, after
	// writing the outputs of its completed epochs.
	exitInterrupted = 130
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		// A second signal kills the process the default way.
		stop()
		fmt.Fprintln(os.Stderr, "\nstakesim: interrupted: finishing the current epoch and writing the outputs (interrupt again to quit at once)")
	}()
	code := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the CLI on args (args[0] is the program name) and returns the
// exit code. It prints errors to stderr and recovers from panics, so that
// the user never sees a stack trace (set STAKESIM_TRACEBACK=1 to see one).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "stakesim: internal error (a bug; please report it with the command line): %v\n", r)
			if os.Getenv("STAKESIM_TRACEBACK") == "1" {
				stderr.Write(debug.Stack())
			}
			code = exitRunFailure
		}
	}()
	app := newApp(stdout, stderr)
	err := app.RunContext(ctx, flagsFirst(app, args))
	if err == nil {
		return exitOK
	}
	for _, line := range strings.Split(strings.TrimRight(err.Error(), "\n"), "\n") {
		fmt.Fprintf(stderr, "stakesim: %s\n", line)
	}
	return exitCode(err)
}

// exitError attaches an exit code to an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// badInput marks err as the user's mistake (exit code 2).
func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// exitCode maps an error returned by the app to an exit code.
func exitCode(err error) int {
	var ee *exitError
	var se *scenarios.Error
	var sl scenarios.ErrorList
	var ce cli.ExitCoder
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &se), errors.As(err, &sl),
		errors.Is(err, scenarios.ErrNotFound), errors.Is(err, scenarios.ErrOverride),
		errors.Is(err, output.ErrNotEmpty), errors.Is(err, output.ErrNotRunDir),
		errors.Is(err, output.ErrUnsafeDir):
		return exitBadInput
	case errors.As(err, &ce):
		// urfave/cli only makes ExitCoders for usage mistakes such as
		// "help" on an unknown command.
		return exitBadInput
	}
	return exitRunFailure
}

// flagsFirst moves a command's flags before its positional arguments, so
// that "run baseline --epochs 3" parses as "run --epochs 3 baseline"; the
// standard flag package, and so urfave/cli/v2, stops at the first
// positional argument. Arguments after "--" stay positional.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 3 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	takesValue := make(map[string]bool)
	for _, f := range cmd.Flags {
		tv := false
		if df, ok := f.(cli.DocGenerationFlag); ok {
			tv = df.TakesValue()
		}
		for _, name := range f.Names() {
			takesValue[name] = tv
		}
	}
	var flags, positional []string
	tail := args[2:]
	for i := 0; i < len(tail); i++ {
		a := tail[i]
		if a == "--" {
			positional = append(positional, tail[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(tail) {
			flags = append(flags, tail[i+1])
			i++
		}
	}
	out := append([]string{}, args[:2]...)
	out = append(out, flags...)
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}
