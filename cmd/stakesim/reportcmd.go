package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/report"
)

func reportCommand(stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "report",
		Usage:     "write DIR/report.html, the charts of a run or of a sweep, one self-contained page",
		ArgsUsage: "DIR",
		Description: `DIR is a run directory (stakesim run writes its report itself unless
--no-report) or a sweep directory (stakesim sweep --out DIR). The page is
one file with inline SVG and CSS: it opens offline and needs no
JavaScript, and the same outputs give the same bytes.`,
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return badInput(errors.New("report needs exactly one DIR (a run or a sweep directory)"))
			}
			path, err := report.Write(c.Args().First())
			if err != nil {
				return reportError(err)
			}
			return printReportPath(stdout, path)
		},
	}
}

// reportError is exit 2 when DIR is not a run or sweep directory (or
// cannot be read), 1 otherwise.
func reportError(err error) error {
	if errors.Is(err, report.ErrNotResults) || errors.Is(err, os.ErrNotExist) {
		return badInput(err)
	}
	return err
}

// printReportPath says where the page is and how big it is.
func printReportPath(w io.Writer, path string) error {
	size := ""
	if fi, err := os.Stat(path); err == nil {
		size = fmt.Sprintf(" (%s)", formatBytes(uint64(fi.Size())))
	}
	_, err := fmt.Fprintf(w, "report: %s%s\n", path, size)
	return err
}

// writePages writes a finished run's report (unless --no-report) and, for
// a lesson, its lesson page.
func writePages(dir string, cfg runConfig, stdout io.Writer) error {
	if cfg.report {
		path, err := report.Write(dir)
		if err != nil {
			return fmt.Errorf("the run's outputs are complete in %s, but its report failed: %w", dir, err)
		}
		if err := printReportPath(stdout, path); err != nil {
			return err
		}
	}
	if cfg.lesson != "" {
		return writeLessonPage(dir, cfg, stdout)
	}
	return nil
}
