package main

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"    a_test.go:9: needs root\n"}`,
		`{"Action":"output","Package":"p","Test":"TestA","Output":"--- SKIP: TestA (0.00s)\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestA"}`,
		`{"Action":"output","Package":"p","Test":"TestB","Output":"    b_test.go:3: got 1, want 2\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestB"}`,
		`{"Action":"output","Package":"p","Test":"TestC","Output":"--- SKIP: TestC (0.00s)\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestC"}`,
		`{"Action":"fail","Package":"p","Elapsed":1.5}`,
		`{"Action":"pass","Package":"q","Elapsed":0.25}`,
		`{"Action":"skip","Package":"r"}`,
		`not json`,
	}, "\n")
	var out strings.Builder
	skips, failed := report(strings.NewReader(in), &out)
	if !failed {
		t.Error("a failed test was not reported as a failure")
	}
	want := []string{"p TestA: a_test.go:9: needs root", "p TestC: (no reason given)"}
	if strings.Join(skips, "\n") != strings.Join(want, "\n") {
		t.Errorf("skips = %q, want %q", skips, want)
	}
	for _, s := range []string{"b_test.go:3: got 1, want 2\n", "FAIL\tp\t1.5s\n", "ok  \tq\t250ms\n", "not json\n"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if strings.Contains(out.String(), "needs root") {
		t.Errorf("a skipped test's output was printed as a failure:\n%s", out.String())
	}
}
