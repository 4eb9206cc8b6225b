package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/stakesim/stakesim/docs/lessons"
	"github.com/stakesim/stakesim/report"
	"github.com/stakesim/stakesim/scenarios"
)

// LessonFile is the lesson page "stakesim lesson NAME" writes into the
// run directory, beside report.html.
const LessonFile = "lesson.html"

func lessonCommand(stdout, stderr io.Writer) *cli.Command {
	return &cli.Command{
		Name:      "lesson",
		Usage:     "run a lesson's scenario with its story told, and write one page: the lesson, the charts and the story (no NAME: list the lessons)",
		ArgsUsage: "[NAME]",
		Description: `stakesim lesson attack-33 runs the attack-33 scenario (BLS off unless
--bls is given: a class wants it fast) with the story told on stdout
(--pace 3s slows it for a live class), and writes DIR/lesson.html: the
lesson text of docs/lessons, the run's charts, and the story beside the
epochs it tells, next to DIR/report.html.`,
		Flags: runFlags(),
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return listLessons(stdout)
			}
			return runLesson(c, stdout, stderr)
		},
	}
}

// listLessons prints every lesson, and whether it runs a built-in.
func listLessons(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "LESSON\tTITLE\n")
	for _, l := range lessons.List() {
		title := l.Title
		if _, ok := scenarios.BuiltinYAML(l.Name); !ok {
			title += " (read it: docs/lessons/" + l.Name + ".md; no scenario to run)"
		}
		fmt.Fprintf(tw, "%s\t%s\n", l.Name, title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nRun one: stakesim lesson NAME [--pace 3s]")
	return err
}

// runLesson runs the lesson's scenario with the story told and kept.
func runLesson(c *cli.Context, stdout, stderr io.Writer) error {
	name := c.Args().First()
	if c.NArg() > 1 {
		return badInput(errors.New("lesson takes one NAME (stakesim lesson lists them)"))
	}
	if _, err := lessons.Markdown(name); err != nil {
		return badInput(fmt.Errorf("%w (stakesim lesson lists them)", err))
	}
	if _, ok := scenarios.BuiltinYAML(name); !ok {
		return badInput(fmt.Errorf("lesson %s runs no scenario; read docs/lessons/%s.md", name, name))
	}
	if !c.IsSet("bls") {
		if err := c.Set("bls", "off"); err != nil {
			return err
		}
	}
	cfg, err := runConfigOf(c, true)
	if err != nil {
		return err
	}
	var story bytes.Buffer
	cfg.lesson, cfg.story = name, &story
	return runScenario(c, cfg, stdout, stderr)
}

// writeLessonPage writes DIR/lesson.html from the lesson's text, the run's
// charts and the story kept while it ran.
func writeLessonPage(dir string, cfg runConfig, stdout io.Writer) error {
	text, err := lessons.HTML(cfg.lesson)
	if err != nil {
		return err
	}
	page, err := report.RunPage(dir, report.PageOptions{
		Title:    "Lesson: " + cfg.lesson,
		Lesson:   template.HTML(text),
		Timeline: storyTimeline(cfg.story.Bytes()),
	})
	if err != nil {
		return fmt.Errorf("lesson page: %w", err)
	}
	path := filepath.Join(dir, LessonFile)
	if err := os.WriteFile(path, page, 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "lesson: %s\n", path)
	return err
}

// storyTimeline turns the story's "epoch N: text" lines into the page's
// timeline; the closing paragraph is its last entry (at the last epoch).
func storyTimeline(story []byte) []report.TimelineEntry {
	var out []report.TimelineEntry
	var closing []string
	sc := bufio.NewScanner(bytes.NewReader(story))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "epoch ")
		num, text, found := strings.Cut(rest, ": ")
		ep, err := strconv.ParseUint(num, 10, 64)
		if ok && found && err == nil {
			out = append(out, report.TimelineEntry{Epoch: ep, Text: text})
			continue
		}
		if strings.TrimSpace(line) != "" {
			closing = append(closing, strings.TrimSpace(line))
		}
	}
	if len(closing) > 0 {
		var last uint64
		if len(out) > 0 {
			last = out[len(out)-1].Epoch
		}
		out = append(out, report.TimelineEntry{Epoch: last, Text: strings.Join(closing, " ")})
	}
	return out
}
