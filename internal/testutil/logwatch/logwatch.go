// Package logwatch collects the log lines a process writes (tarssh logs to
// stderr) and waits for lines matching a pattern: the one way the tests
// that run tarssh or the sandbox's probe (cmd/tarssh, sandbox, e2e) start
// a process and read its log.
package logwatch

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ErrEnded is returned by Wait when the log ended (the process closed its
// end, usually by exiting) without the line waited for.
var ErrEnded = errors.New("the log ended")

// Log is the lines read so far.
type Log struct {
	mu    sync.Mutex
	lines []string
	grew  chan struct{} // closed and replaced when a line comes or the log ends
	ended bool
	done  chan struct{} // closed when the log has ended
}

// Follow reads lines from r until it ends.
func Follow(r io.Reader) *Log {
	l := &Log{grew: make(chan struct{}), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 4096), 1<<20)
		for sc.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, sc.Text())
			close(l.grew)
			l.grew = make(chan struct{})
			l.mu.Unlock()
		}
		l.mu.Lock()
		l.ended = true
		close(l.grew)
		l.mu.Unlock()
		close(l.done)
	}()
	return l
}

// Start starts cmd with its stderr followed, and its stdout too unless cmd
// sets it.
func Start(cmd *exec.Cmd) (*Log, error) {
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if cmd.Stdout == nil {
		cmd.Stdout = cmd.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return Follow(stderr), nil
}

// Done is closed when the log has ended and every line is in.
func (l *Log) Done() <-chan struct{} { return l.done }

// Grown is closed when the next line comes or the log ends.
func (l *Log) Grown() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.grew
}

// Lines returns the lines so far.
func (l *Log) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// Text returns the lines so far, joined.
func (l *Log) Text() string { return strings.Join(l.Lines(), "\n") }

// Matches returns the lines so far that match re.
func (l *Log) Matches(re *regexp.Regexp) []string {
	var out []string
	for _, s := range l.Lines() {
		if re.MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}

// Wait waits up to timeout for a line matching re, at index from or later,
// and returns its submatches and its index. It fails with an error wrapping
// ErrEnded if the log ends first.
func (l *Log) Wait(re *regexp.Regexp, from int, timeout time.Duration) ([]string, int, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		for ; from < len(l.lines); from++ {
			if m := re.FindStringSubmatch(l.lines[from]); m != nil {
				l.mu.Unlock()
				return m, from, nil
			}
		}
		grew, ended := l.grew, l.ended
		l.mu.Unlock()
		if ended {
			return nil, -1, fmt.Errorf("%w before a line matching %q", ErrEnded, re)
		}
		select {
		case <-grew:
		case <-deadline.C:
			return nil, -1, fmt.Errorf("no line matching %q within %v", re, timeout)
		}
	}
}

// WaitN waits up to timeout for the n-th line (from 1) matching re.
func (l *Log) WaitN(re *regexp.Regexp, n int, timeout time.Duration) ([]string, error) {
	end := time.Now().Add(timeout)
	from := 0
	for k := 1; ; k++ {
		m, at, err := l.Wait(re, from, time.Until(end))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", k, err)
		}
		if k == n {
			return m, nil
		}
		from = at + 1
	}
}
