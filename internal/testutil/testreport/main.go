// Command testreport runs go test with the given arguments and reports as
// go test does (a line per package, the output of each failed test), then
// lists every skipped test with its reason: a skip never passes unseen.
// make test runs it. It exits with go test's status.
//
//	go run ./internal/testutil/testreport -race -count=1 ./...
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	cmd := exec.Command("go", append([]string{"test", "-json"}, os.Args[1:]...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	skips, failed := report(out, os.Stdout)
	err = cmd.Wait()
	if len(skips) > 0 {
		fmt.Printf("\n%d tests skipped:\n", len(skips))
		for _, s := range skips {
			fmt.Println("  " + s)
		}
	}
	switch {
	case err != nil:
		if ee, ok := err.(*exec.ExitError); ok {
			os.Exit(ee.ExitCode())
		}
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	case failed:
		os.Exit(1)
	}
}

// report copies the events in r to w as go test's plain output would show
// them, and returns the skipped tests ("pkg TestName: reason") and whether
// anything failed.
func report(r io.Reader, w io.Writer) (skips []string, failed bool) {
	type key struct{ pkg, test string }
	output := map[key]*strings.Builder{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Fprintln(w, sc.Text()) // not an event: pass it on
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "output", "build-output":
			b := output[k]
			if b == nil {
				b = &strings.Builder{}
				output[k] = b
			}
			b.WriteString(e.Output)
		case "skip":
			if e.Test != "" {
				skips = append(skips, e.Package+" "+e.Test+": "+reason(output[k]))
			}
			delete(output, k)
		case "fail", "build-fail":
			failed = true
			out := ""
			if b := output[k]; b != nil {
				out = b.String()
				io.WriteString(w, out)
			}
			// go test's own output already ends a package that failed to
			// run with its FAIL line.
			if e.Test == "" && e.Action == "fail" && !strings.Contains(out, "FAIL\t"+e.Package+"\t") {
				fmt.Fprintf(w, "FAIL\t%s\t%s\n", e.Package, dur(e.Elapsed))
			}
			delete(output, k)
		case "pass":
			if e.Test == "" {
				fmt.Fprintf(w, "ok  \t%s\t%s\n", e.Package, dur(e.Elapsed))
			}
			delete(output, k)
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(w, "testreport:", err)
		failed = true
	}
	sort.Strings(skips)
	return skips, failed
}

// reason picks a skipped test's own words out of its output: the lines that
// are not go test's "=== RUN" and "--- SKIP" markers.
func reason(b *strings.Builder) string {
	if b == nil {
		return "(no reason given)"
	}
	var parts []string
	for _, l := range strings.Split(b.String(), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		parts = append(parts, l)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " / ")
}

func dur(s float64) string {
	return (time.Duration(s * float64(time.Second))).Round(time.Millisecond).String()
}
