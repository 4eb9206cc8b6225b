package scenarios

import (
	"strconv"
	"unicode/utf8"
)

// The YAML parser (goccy/go-yaml) builds the whole token list and AST before
// the decoder sees any of it, and both cost far more than the input: about a
// kilobyte per token, tens of kilobytes per level of nesting, a copy of the
// entries so far for every key of a block mapping, and each node's path of
// keys as a string of its own. Bounds checked on the AST (checkPlain) come
// too late: 40 KB of "[" needed 600 MB. So document first runs prescan over
// the raw bytes, which bounds nesting depth, tokens and path bytes in one
// pass with a few hundred bytes of state, and only then parses.
//
// prescan is lenient where it must be: it counts a level of block or flow
// nesting once where checkPlain counts a mapping twice, so no file refused
// for depth here would have passed checkPlain; and the token and path limits
// are far above what the built-in scenarios and the examples use.

// maxTokens bounds the number of YAML tokens (keys, values, indicators such
// as "-", ":", "[", ",", comments) in one file. The parser needs about 1 KB
// per token, so this keeps any file, valid or not, within tens of MiB.
const maxTokens = 40_000

// anchorWeight is how many tokens an anchor (&a), alias (*a) or tag (!t)
// counts for.
const anchorWeight = 4

// maxPathBytes bounds the sum, over the tokens, of the length of the path of
// keys (and indices, counted as levelPathBytes each) leading to the token.
// The parser stores every node's path as a string of its own, so a long key
// above many values costs its length again for each of them: 500 KB of key
// over 13,000 values needed 13 GiB. Valid files use a few hundred KB.
const maxPathBytes = 8 << 20

// levelPathBytes is what one level of nesting adds to a path besides its
// key: "[123]" or ".".
const levelPathBytes = 8

// prescanError is a problem found by prescan, with its 1-based position.
type prescanError struct {
	line, col int
	msg       string
}

// prescan checks data, which has no byte order mark, against maxNesting and
// maxTokens. It returns nil or the first problem found.
func prescan(data []byte) *prescanError {
	s := scanState{data: data, line: 1, col: 1}
	return s.run()
}

type scanState struct {
	data      []byte
	i         int
	line, col int // position of data[i]

	tokens    int
	pathBytes int   // the sum of the tokens' path lengths so far
	flow      int   // depth of [ and { at the current byte
	indents   []int // columns of the enclosing block collections
	// blockKeys[i] is the length of the last key seen at block level i,
	// flowKeys[j] at flow level j; keyBytes is their sum.
	blockKeys []int
	flowKeys  []int
	keyBytes  int
	lineStart bool // no token yet on this line
	// blockScalar is set after a "|" or ">" header: lines indented more
	// than scalarIndent (or blank) are the scalar's content.
	blockScalar  bool
	scalarIndent int
	lineIndent   int
	lastToken    byte // first byte of the last token on the line, 0 if none
}

// advance moves past data[i], keeping line and column (in runes) current.
func (s *scanState) advance() {
	c := s.data[s.i]
	s.i++
	switch {
	case c == '\n':
		s.line++
		s.col = 1
	case c < utf8.RuneSelf || c >= 0xC0: // not a UTF-8 continuation byte
		s.col++
	}
}

func (s *scanState) peek(k int) byte {
	if s.i+k < len(s.data) {
		return s.data[s.i+k]
	}
	return 0
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 }

func (s *scanState) errorf(line, col int, msg string) *prescanError {
	return &prescanError{line: line, col: col, msg: msg}
}

// token counts one token starting at the current position.
func (s *scanState) token() *prescanError {
	s.tokens++
	if s.tokens > maxTokens {
		return s.errorf(s.line, s.col, "more than "+strconv.Itoa(maxTokens)+" YAML tokens (keys, values, punctuation and comments); the limit is "+strconv.Itoa(maxTokens))
	}
	s.pathBytes += s.keyBytes + levelPathBytes*(len(s.indents)+s.flow)
	if s.pathBytes > maxPathBytes {
		return s.errorf(s.line, s.col, "keys too long for the values under them: more than "+strconv.Itoa(maxPathBytes)+
			" bytes of field paths (each value's keys, added up); the limit is "+strconv.Itoa(maxPathBytes))
	}
	return nil
}

// pushBlock opens a block level at column col.
func (s *scanState) pushBlock(col int) {
	s.indents = append(s.indents, col)
	s.blockKeys = append(s.blockKeys, 0)
}

// popBlock closes the innermost block level.
func (s *scanState) popBlock() {
	n := len(s.indents) - 1
	s.keyBytes -= s.blockKeys[n]
	s.indents, s.blockKeys = s.indents[:n], s.blockKeys[:n]
}

// pushFlow opens a flow level ("[" or "{").
func (s *scanState) pushFlow() {
	s.flow++
	s.flowKeys = append(s.flowKeys, 0)
}

// popFlow closes the innermost flow level, if any.
func (s *scanState) popFlow() {
	if s.flow == 0 {
		return
	}
	s.flow--
	n := len(s.flowKeys) - 1
	s.keyBytes -= s.flowKeys[n]
	s.flowKeys = s.flowKeys[:n]
}

// key records a key of n bytes at the innermost level: it is part of the
// path of everything up to the next key at that level.
func (s *scanState) key(n int) {
	var k *int
	switch {
	case s.flow > 0:
		k = &s.flowKeys[len(s.flowKeys)-1]
	case len(s.blockKeys) > 0:
		k = &s.blockKeys[len(s.blockKeys)-1]
	default:
		return
	}
	s.keyBytes += n - *k
	*k = n
}

// isKeyEnd reports whether the scalar that ended at the current byte is a
// key: ":" follows it (after spaces), then a blank or, in flow context or
// after a quoted scalar, anything. A scalar after "?" (a complex key) is a
// key too.
func (s *scanState) isKeyEnd(quoted bool, prev byte) bool {
	if prev == '?' {
		return true
	}
	j := s.i
	for j < len(s.data) && s.data[j] == ' ' {
		j++
	}
	if j >= len(s.data) || s.data[j] != ':' {
		return false
	}
	next := byte(0)
	if j+1 < len(s.data) {
		next = s.data[j+1]
	}
	return isBlank(next) || s.flow > 0 || quoted
}

// depth reports whether the current nesting exceeds maxNesting.
func (s *scanState) depth() *prescanError {
	if len(s.indents)+s.flow > maxNesting {
		return s.errorf(s.line, s.col, "nested deeper than "+strconv.Itoa(maxNesting)+" levels")
	}
	return nil
}

func (s *scanState) run() *prescanError {
	for s.i < len(s.data) {
		skipped, err := s.startLine()
		if err != nil {
			return err
		}
		if skipped {
			continue
		}
		if err := s.restOfLine(); err != nil {
			return err
		}
	}
	return nil
}

// startLine handles indentation at the start of a line: block scalar
// content is skipped, and in block context the line's indentation closes
// the collections indented as much or more. It reports whether it skipped
// the whole line.
func (s *scanState) startLine() (bool, *prescanError) {
	indent := 0
	for s.i < len(s.data) && (s.data[s.i] == ' ' || s.data[s.i] == '\t') {
		indent++
		s.advance()
	}
	s.lineIndent = indent
	s.lineStart = true
	s.lastToken = 0
	blank := s.i >= len(s.data) || s.data[s.i] == '\n' || s.data[s.i] == '\r'
	if s.blockScalar {
		if blank || indent > s.scalarIndent {
			s.skipLine()
			return true, nil
		}
		s.blockScalar = false
	}
	if blank || s.flow > 0 || s.data[s.i] == '#' {
		return false, nil
	}
	if s.data[s.i] == ':' && isBlank(s.peek(1)) {
		// The value of a complex key ("? key" on the line before) belongs
		// to the key's level, which stays open.
		for len(s.indents) > 0 && s.indents[len(s.indents)-1] > indent {
			s.popBlock()
		}
		return false, nil
	}
	for len(s.indents) > 0 && s.indents[len(s.indents)-1] >= indent {
		s.popBlock()
	}
	if s.data[s.i] == '-' && isBlank(s.peek(1)) {
		return false, nil // the "- " opens the level (restOfLine)
	}
	s.pushBlock(indent)
	return false, s.depth()
}

func (s *scanState) skipLine() {
	for s.i < len(s.data) && s.data[s.i] != '\n' {
		s.advance()
	}
	if s.i < len(s.data) {
		s.advance()
	}
}

// restOfLine scans tokens up to and including the end of the line (or past
// it, for quoted strings and flow collections spanning lines).
func (s *scanState) restOfLine() *prescanError {
	for s.i < len(s.data) {
		c := s.data[s.i]
		var err *prescanError
		switch {
		case c == '\n':
			s.advance()
			if s.flow == 0 && (s.lastToken == '|' || s.lastToken == '>') {
				s.blockScalar = true
				s.scalarIndent = s.lineIndent
			}
			return nil
		case c == ' ' || c == '\t' || c == '\r':
			s.advance()
		case c == '#' && (s.i == 0 || isBlank(s.data[s.i-1])):
			err = s.comment()
		case c == '"' || c == '\'':
			err = s.quotedToken(c)
		case c == '[' || c == '{' || c == ']' || c == '}' || c == ',':
			err = s.flowToken(c)
		case (c == '-' || c == '?' || c == ':') && isBlank(s.peek(1)):
			err = s.indicator(c)
		default:
			err = s.plainToken(c)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// comment counts a comment and skips it.
func (s *scanState) comment() *prescanError {
	if err := s.token(); err != nil {
		return err
	}
	for s.i < len(s.data) && s.data[s.i] != '\n' {
		s.advance()
	}
	return nil
}

// quotedToken scans a quoted scalar, which may be a key.
func (s *scanState) quotedToken(c byte) *prescanError {
	if err := s.token(); err != nil {
		return err
	}
	prev := s.lastToken
	s.lastToken = c
	s.lineStart = false
	start := s.i
	s.quoted(c)
	if s.isKeyEnd(true, prev) {
		s.key(s.i - start)
	}
	return nil
}

// flowToken scans a flow indicator: [ and { open a level, ] and } close it.
func (s *scanState) flowToken(c byte) *prescanError {
	if err := s.token(); err != nil {
		return err
	}
	s.lastToken = c
	switch c {
	case '[', '{':
		s.lineStart = false
		s.pushFlow()
		if err := s.depth(); err != nil {
			return err
		}
	case ']', '}':
		s.popFlow()
	}
	s.advance()
	return nil
}

// indicator scans a block indicator ("- ", "? ", ": "); in block context
// "- " at the start of a line opens one more level of sequence.
func (s *scanState) indicator(c byte) *prescanError {
	if err := s.token(); err != nil {
		return err
	}
	s.lastToken = c
	if c == '-' && s.flow == 0 && s.lineStart {
		s.pushBlock(s.col - 1) // 0-based, as indentation
		if err := s.depth(); err != nil {
			return err
		}
		s.advance()
		return nil
	}
	s.lineStart = false
	s.advance()
	return nil
}

// plainToken scans a plain scalar (or anchor, alias, tag): up to ": ",
// " #", and in flow context a flow indicator. Anchors, aliases and tags
// cost the parser several times a scalar (and the schema refuses them
// anyway); they count as anchorWeight tokens.
func (s *scanState) plainToken(c byte) *prescanError {
	n := 1
	if c == '&' || c == '*' || c == '!' {
		n = anchorWeight
	}
	for range n {
		if err := s.token(); err != nil {
			return err
		}
	}
	prev := s.lastToken
	s.lastToken = c
	s.lineStart = false
	start := s.i
	s.plain()
	if s.isKeyEnd(false, prev) {
		s.key(s.i - start)
	}
	return nil
}

// plain skips a plain scalar's text on the current line: its first byte,
// whatever it is, then up to the next indicator.
func (s *scanState) plain() {
	s.advance()
	for s.i < len(s.data) {
		c := s.data[s.i]
		if c == '\n' || c == '\r' {
			return
		}
		if c == ':' && isBlank(s.peek(1)) {
			return
		}
		if c == '#' && s.i > 0 && isBlank(s.data[s.i-1]) {
			return
		}
		// In flow context the parser ends a key at any ":" ({a:[1]}).
		if s.flow > 0 && (c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || c == ':') {
			return
		}
		s.advance()
	}
}

// quoted skips a quoted string, which may span lines.
func (s *scanState) quoted(q byte) {
	s.advance()
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case q == '"' && c == '\\':
			s.advance()
			if s.i < len(s.data) {
				s.advance()
			}
		case c == q:
			s.advance()
			if q == '\'' && s.i < len(s.data) && s.data[s.i] == '\'' {
				s.advance() // '' is an escaped quote
				continue
			}
			return
		default:
			s.advance()
		}
	}
}
