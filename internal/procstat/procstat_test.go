package procstat

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in        string
		user, sys time.Duration
		ok        bool
	}{
		{"1234 (tarssh) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 17 0 0 20 0 7 0 100 0", 2500 * time.Millisecond, 170 * time.Millisecond, true},
		// A command name with spaces and a ')' of its own.
		{"99 (a b) c) R 1 2 3 4 5 6 7 8 9 10 3 4 0 0", 30 * time.Millisecond, 40 * time.Millisecond, true},
		{"99 (short) R 1 2 3", 0, 0, false},
		{"no parenthesis at all 1 2 3 4 5 6 7 8 9 10 11 12 13", 0, 0, false},
		{"1 (x) S 1 1 1 0 -1 0 0 0 0 0 -5 3 0", 0, 0, false},
		{"1 (x) S 1 1 1 0 -1 0 0 0 0 0 x 3 0", 0, 0, false},
	} {
		user, sys, err := parse([]byte(tt.in))
		if (err == nil) != tt.ok || user != tt.user || sys != tt.sys {
			t.Errorf("parse(%q) = %v, %v, %v; want %v, %v, ok %v", tt.in, user, sys, err, tt.user, tt.sys, tt.ok)
		}
	}
}

// TestCPUGrows spins until this process's own CPU time, as CPU reads it,
// has grown by at least two ticks: a reader of the wrong fields or units
// would never see it grow, or see it jump.
func TestCPUGrows(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/PID/stat is Linux's")
	}
	u0, s0, err := CPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for x := 0; ; x++ {
		if x%1_000_000 == 0 {
			u, s, err := CPU(os.Getpid())
			if err != nil {
				t.Fatal(err)
			}
			if grew := u + s - u0 - s0; grew >= 20*time.Millisecond {
				// CPU time cannot outrun wall time by more than the cores.
				if wall := time.Since(start); grew > wall*time.Duration(runtime.NumCPU())+20*time.Millisecond {
					t.Fatalf("CPU grew %v in %v of wall time", grew, wall)
				}
				return
			}
			if time.Since(start) > time.Minute {
				t.Fatalf("CPU time still %v after a minute of spinning", u+s)
			}
		}
	}
}
