package scenarios

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Sentinel errors; the problems inside an Error wrap them where a caller may
// want to tell them apart, and errors.Is sees through Error and ErrorList.
var (
	// ErrNotFound means Load found neither a built-in scenario nor a file.
	ErrNotFound = errors.New("scenarios: no such built-in scenario or file")
	// ErrSyntax marks a problem the YAML parser reported.
	ErrSyntax = errors.New("YAML syntax error")
	// ErrExpr marks a "${...}" expression that could not be evaluated.
	ErrExpr = errors.New("expression error")
	// ErrOverride marks a --set override that names no param or is out of range.
	ErrOverride = errors.New("bad override")
	// ErrNotRegular means a file to load is not a regular file: a device
	// (such as /dev/zero), a FIFO, a socket or a directory. Such files are
	// refused before they are opened, since reading them may never end.
	ErrNotRegular = errors.New("not a regular file")
)

// maxReported bounds how many problems one load reports; past it the list
// ends with a note saying how many more there were.
const maxReported = 20

// Pos is a position in a scenario file. Line and Col count from 1; a zero
// Line means the problem has no place in the file (for example a setter
// called after loading).
type Pos struct {
	File      string
	Line, Col int
}

// String formats p as FILE:LINE:COL, or just FILE when the line is unknown.
func (p Pos) String() string {
	if p.Line <= 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// before orders positions by file, line, then column.
func (p Pos) before(q Pos) bool {
	if p.File != q.File {
		return p.File < q.File
	}
	if p.Line != q.Line {
		return p.Line < q.Line
	}
	return p.Col < q.Col
}

// Error is one problem in a scenario, phrased for the user who wrote it:
// "FILE:LINE:COL: field.path: problem". Field is the path of the offending
// field, such as "validators[1].behaviours[0].delay_ms"; it is empty for
// problems that concern the file as a whole (YAML syntax errors).
type Error struct {
	Pos   Pos
	Field string
	Err   error
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	if s := e.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid")
	}
	return b.String()
}

// Unwrap returns the underlying problem.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every problem found in one load, sorted by position.
type ErrorList []*Error

// Error joins the problems with newlines.
func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap lets errors.Is and errors.As look at every problem.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// finish sorts the problems by position (keeping the order of discovery for
// equal positions) and keeps at most maxReported of them, followed by a note
// counting the rest.
func (l ErrorList) finish() ErrorList {
	sorted := make(ErrorList, len(l))
	copy(sorted, l)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Pos.before(sorted[j].Pos) })
	if len(sorted) <= maxReported {
		return sorted
	}
	rest := len(sorted) - maxReported
	out := append(ErrorList(nil), sorted[:maxReported]...)
	return append(out, &Error{
		Pos: sorted[maxReported].Pos,
		Err: fmt.Errorf("too many problems; %d more not shown", rest),
	})
}
