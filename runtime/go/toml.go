package graft

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// A reader for the TOML that graftcode.toml uses: [tables] and [dotted.tables], bare, quoted
// and dotted keys, basic and literal strings, integers, floats, booleans, arrays and inline
// tables, comments. Anything else (dates, multi-line strings, arrays of tables) is refused
// with the line it is on.

type tomlParser struct {
	src  string
	pos  int
	line int
}

type tomlError struct {
	line int
	msg  string
}

func (e *tomlError) Error() string { return sprintf("line %d: %s", e.line, e.msg) }

func parseTOML(src string) (map[string]any, error) {
	p := &tomlParser{src: src, line: 1}
	root := map[string]any{}
	current := root
	defined := map[string]bool{}
	for {
		p.skipSpace(true)
		if p.pos >= len(p.src) {
			return root, nil
		}
		if p.src[p.pos] == '[' {
			p.pos++
			if p.peek() == '[' {
				return nil, p.fail("arrays of tables are not supported here")
			}
			path, err := p.keyPath()
			if err != nil {
				return nil, err
			}
			if !p.eat(']') {
				return nil, p.fail("expected ] after the table name")
			}
			name := strings.Join(path, "\x00")
			if defined[name] {
				return nil, p.fail("table [" + strings.Join(path, ".") + "] defined twice")
			}
			defined[name] = true
			if current, err = p.descend(root, path); err != nil {
				return nil, err
			}
		} else if err := p.keyValue(current); err != nil {
			return nil, err
		}
		p.skipSpace(false)
		if p.pos < len(p.src) && p.src[p.pos] != '\n' {
			return nil, p.fail("expected the end of the line")
		}
	}
}

func (p *tomlParser) fail(msg string) error { return &tomlError{p.line, msg} }

func (p *tomlParser) peek() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

func (p *tomlParser) eat(c byte) bool {
	p.skipSpace(false)
	if p.peek() == c {
		p.pos++
		return true
	}
	return false
}

// skipSpace skips blanks and comments, and line ends too when newlines is set.
func (p *tomlParser) skipSpace(newlines bool) {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t' || c == '\r':
			p.pos++
		case c == '\n' && newlines:
			p.pos++
			p.line++
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

func (p *tomlParser) descend(t map[string]any, path []string) (map[string]any, error) {
	for _, k := range path {
		next, ok := t[k]
		if !ok {
			next = map[string]any{}
			t[k] = next
		}
		if t, ok = next.(map[string]any); !ok {
			return nil, p.fail(sprintf("%q is a value, not a table", k))
		}
	}
	return t, nil
}

func (p *tomlParser) keyValue(t map[string]any) error {
	path, err := p.keyPath()
	if err != nil {
		return err
	}
	if !p.eat('=') {
		return p.fail("expected = after the key")
	}
	v, err := p.value()
	if err != nil {
		return err
	}
	if t, err = p.descend(t, path[:len(path)-1]); err != nil {
		return err
	}
	last := path[len(path)-1]
	if _, dup := t[last]; dup {
		return p.fail(sprintf("key %q defined twice", last))
	}
	t[last] = v
	return nil
}

func (p *tomlParser) keyPath() ([]string, error) {
	var path []string
	for {
		p.skipSpace(false)
		var k string
		switch c := p.peek(); {
		case c == '"' || c == '\'':
			s, err := p.str()
			if err != nil {
				return nil, err
			}
			k = s
		default:
			start := p.pos
			for c := p.peek(); c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'; c = p.peek() {
				p.pos++
			}
			if p.pos == start {
				return nil, p.fail("expected a key")
			}
			k = p.src[start:p.pos]
		}
		path = append(path, k)
		if !p.eat('.') {
			return path, nil
		}
	}
}

func (p *tomlParser) value() (any, error) {
	p.skipSpace(false)
	switch c := p.peek(); {
	case c == '"' || c == '\'':
		return p.str()
	case c == '[':
		p.pos++
		out := []any{}
		for {
			p.skipSpace(true)
			if p.peek() == ']' {
				p.pos++
				return out, nil
			}
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			p.skipSpace(true)
			if p.peek() == ',' {
				p.pos++
			} else if p.peek() != ']' {
				return nil, p.fail("expected , or ] in an array")
			}
		}
	case c == '{':
		p.pos++
		out := map[string]any{}
		if p.eat('}') {
			return out, nil
		}
		for {
			if err := p.keyValue(out); err != nil {
				return nil, err
			}
			if p.eat('}') {
				return out, nil
			}
			if !p.eat(',') {
				return nil, p.fail("expected , or } in an inline table")
			}
		}
	}
	start := p.pos
	for c := p.peek(); c != 0 && !strings.ContainsRune(" \t\r\n#,]}", rune(c)); c = p.peek() {
		p.pos++
	}
	word := p.src[start:p.pos]
	switch word {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	clean := strings.ReplaceAll(word, "_", "")
	if i, err := strconv.ParseInt(clean, 10, 64); err == nil {
		return i, nil
	}
	if f, err := strconv.ParseFloat(clean, 64); err == nil && !strings.ContainsAny(clean, "xXpP") {
		return f, nil
	}
	if word == "" {
		return nil, p.fail("expected a value")
	}
	return nil, p.fail(sprintf("unsupported value %q (use a string, a number, true/false, an array or a table)", word))
}

func (p *tomlParser) str() (string, error) {
	q := p.src[p.pos]
	if strings.HasPrefix(p.src[p.pos:], strings.Repeat(string(q), 3)) {
		return "", p.fail("multi-line strings are not supported here")
	}
	p.pos++
	var b strings.Builder
	for {
		if p.pos >= len(p.src) || p.src[p.pos] == '\n' {
			return "", p.fail("unterminated string")
		}
		c := p.src[p.pos]
		p.pos++
		switch {
		case c == q:
			if !utf8.ValidString(b.String()) {
				return "", p.fail("a string that is not UTF-8")
			}
			return b.String(), nil
		case c == '\\' && q == '"':
			if err := p.escape(&b); err != nil {
				return "", err
			}
		default:
			b.WriteByte(c)
		}
	}
}

func (p *tomlParser) escape(b *strings.Builder) error {
	if p.pos >= len(p.src) {
		return p.fail("unterminated string")
	}
	c := p.src[p.pos]
	p.pos++
	simple := map[byte]string{'"': "\"", '\\': "\\", 'n': "\n", 't': "\t", 'r': "\r", 'b': "\b", 'f': "\f"}
	if s, ok := simple[c]; ok {
		b.WriteString(s)
		return nil
	}
	n := map[byte]int{'u': 4, 'U': 8}[c]
	if n == 0 || p.pos+n > len(p.src) {
		return p.fail(sprintf("invalid escape \\%c", c))
	}
	r, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
	if err != nil || !utf8.ValidRune(rune(r)) {
		return p.fail("invalid unicode escape")
	}
	p.pos += n
	b.WriteRune(rune(r))
	return nil
}
