package bootstrap

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// Problem is one thing wrong with a file, where it is.
type Problem struct {
	File   string `json:"file,omitempty"`   // the file's name as given ("" for none)
	Line   int    `json:"line,omitempty"`   // 1-based; 0 when unknown
	Column int    `json:"column,omitempty"` // 1-based; 0 when unknown
	// Field is the path of the value in the file, e.g.
	// pools[0].users[2].password.
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(":")
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, "%d:", p.Column)
		}
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is the answer for a file with problems; nothing was written.
// (Error.Applied tells when the problem was met in the second run, after
// the steps before it were written.)
type Error struct {
	Problems []Problem
	// Applied is set when the problem was found while writing (a conflict
	// with records the file does not name): the steps before it were
	// written.
	Applied bool
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Applied:
		b.WriteString("bootstrap: applying stopped (the steps before this one were written; fix the file and apply it again):")
	case len(e.Problems) == 1:
		b.WriteString("bootstrap: 1 problem, nothing was changed:")
	default:
		fmt.Fprintf(&b, "bootstrap: %d problems, nothing was changed:", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects the problems of one file.
type problems struct {
	file string
	list []Problem
}

// add records a problem at node n (nil: no position) for field.
func (ps *problems) add(n *yaml.Node, field, format string, args ...any) {
	p := Problem{File: ps.file, Field: field, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	ps.list = append(ps.list, p)
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: ps.list}
}
