package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/internal/buildinfo"
	"github.com/stakesim/stakesim/scenarios"
)

// newApp builds the CLI. Commands write to stdout and stderr only, so tests
// can inject buffers.
func newApp(stdout, stderr io.Writer) *cli.App {
	usageError := func(c *cli.Context, err error, _ bool) error {
		return badInput(fmt.Errorf("%w (see %s --help)", err, c.Command.HelpName))
	}
	app := &cli.App{
		Name:        "stakesim",
		Usage:       "simulate Ethereum proof-of-stake (Electra) scenarios",
		Description: appDescription,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Usage: "print the version, VCS revision and Go version, and exit"},
		},
		Writer:                    stdout,
		ErrWriter:                 stderr,
		HideVersion:               true,
		DisableSliceFlagSeparator: true,                         // --set values are never split at commas
		ExitErrHandler:            func(*cli.Context, error) {}, // run() prints errors and picks exit codes
		OnUsageError:              usageError,
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				_, err := io.WriteString(stdout, versionText())
				return err
			}
			if c.Args().Present() {
				return badInput(fmt.Errorf("unknown command %q (see stakesim --help)", c.Args().First()))
			}
			return cli.ShowAppHelp(c)
		},
		Commands: commands(stdout, stderr),
	}
	for _, cmd := range app.Commands {
		cmd.OnUsageError = usageError
	}
	return app
}

func builtinNames() []string {
	var names []string
	for _, b := range scenarios.Builtins() {
		names = append(names, b.Name)
	}
	return names
}

// listScenarios prints the built-ins with their descriptions, then each
// one's params in an aligned table.
func listScenarios(w io.Writer) error {
	builtins := scenarios.Builtins()
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, b := range builtins {
		fmt.Fprintf(tw, "%s\t%s\n", b.Name, oneLine(b.Description))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, b := range builtins {
		if len(b.Params) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s params (override with --set NAME=VALUE):\n", b.Name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  NAME\tDEFAULT\tRANGE\tDOC\n")
		for _, p := range b.Params {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, paramDefault(p), paramRange(p), oneLine(p.Doc))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// oneLine keeps the first line of s, so that a multi-line YAML description
// does not break the table.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i]) + " ..."
	}
	return s
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// commands lists the CLI's commands.
func commands(stdout, stderr io.Writer) []*cli.Command {
	return []*cli.Command{
		runCommand(stdout, stderr),
		reportCommand(stdout),
		lessonCommand(stdout, stderr),
		explainCommand(stdout),
		timelineCommand(stdout),
		sweepCommand(stdout, stderr),
		mergeCommand(stdout),
		restakingCommand(stdout),
		aprCommand(stdout),
		cacheCommand(stdout),
		{
			Name:      "scenarios",
			Usage:     "list the built-in scenarios and their params",
			ArgsUsage: " ",
			Action: func(c *cli.Context) error {
				if c.Args().Present() {
					return badInput(errors.New("scenarios takes no arguments"))
				}
				return listScenarios(stdout)
			},
		},
		{
			Name:      "show",
			Usage:     "print a built-in scenario's YAML (a starting point for your own)",
			ArgsUsage: "NAME",
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return badInput(errors.New("show needs exactly one built-in scenario NAME"))
				}
				data, ok := scenarios.BuiltinYAML(c.Args().First())
				if !ok {
					return badInput(fmt.Errorf("no built-in scenario %q (built-ins: %s)", c.Args().First(), strings.Join(builtinNames(), ", ")))
				}
				_, err := stdout.Write(data)
				return err
			},
		},
		{
			Name:      "validate",
			Usage:     "check a scenario file (or built-in) without running it, and estimate what running it costs",
			ArgsUsage: "FILE",
			Flags: []cli.Flag{
				&cli.StringSliceFlag{Name: "set", Usage: "override a scenario param, `NAME=VALUE` (repeatable)"},
			},
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return badInput(errors.New("validate needs exactly one scenario FILE"))
				}
				overrides, err := parseOverrides(c.StringSlice("set"))
				if err != nil {
					return err
				}
				file := c.Args().First()
				sc, err := scenarios.Load(file, overrides)
				if err != nil {
					return badInput(err)
				}
				_, err = fmt.Fprintf(stdout, "%s: ok (%d validators, %d epochs, preset %s, bls %s)\n%s\n",
					file, sc.TotalValidators(), sc.Epochs, sc.Preset, sc.BLS, estimateLine(sc, false))
				return err
			},
		},
		{
			Name:      "version",
			Usage:     "print the stakesim version and the Go version",
			ArgsUsage: " ",
			Action: func(c *cli.Context) error {
				_, err := io.WriteString(stdout, versionText())
				return err
			},
		},
	}
}

// appDescription is the help page's account of what a run writes and of
// the exit codes.
const appDescription = `A run writes a directory (runs/NAME-SEED by default, or --out DIR):
scenario.yaml (the scenario as it ran: "stakesim run DIR/scenario.yaml"
reproduces it), epochs.csv (one row per epoch and branch), events.jsonl
(one event per line), both flushed every epoch, summary.json (the run's
figures), timing.json (wall-clock figures), avs.csv (with restaking) and
the .stakesim-run marker. "stakesim explain SCENARIO" says which columns,
events and summary fields to watch.

Exit codes: 0 success; 1 a run that failed (an invariant violation), or
"restaking ... --check" on a graph not proved secure; 2 bad input (a
scenario, flag or --set error, an input that is not a regular file of at
most 1 MiB, an --out that cannot be used, a run whose memory estimate
exceeds the memory available without --force-size); 130 a run interrupted
by SIGINT or SIGTERM (it finishes the epoch it is in, writes the completed
epochs and says interrupted in summary.json).`

// versionText describes this binary from its build information.
func versionText() string {
	b := buildinfo.Read()
	return fmt.Sprintf("stakesim %s\nrevision %s\ngo %s %s/%s\n", b.Version, b.Commit, b.GoVersion, runtime.GOOS, runtime.GOARCH)
}
