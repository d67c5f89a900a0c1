package metrics

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseStat(t *testing.T) {
	tail := " S 1 2 3 4 5 6 7 8 9 10 111 222 13 14 15 16 17 18 333 444 555 22"
	tests := []struct {
		line string
		want procStat
		ok   bool
	}{
		{"123 (tarssh)" + tail, procStat{111, 222, 333, 444, 555}, true},
		{"123 (a b) c)" + tail, procStat{111, 222, 333, 444, 555}, true}, // a name with spaces and ')'
		{"123 ()" + tail, procStat{111, 222, 333, 444, 555}, true},
		{"123 tarssh" + tail, procStat{}, false},
		{"123 (tarssh) S 1 2 3", procStat{}, false},
		{"123 (tarssh)" + " S 1 2 3 4 5 6 7 8 9 10 x 222 13 14 15 16 17 18 333 444 555", procStat{}, false},
		{"", procStat{}, false},
	}
	for _, tt := range tests {
		got, err := parseStat([]byte(tt.line))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseStat(%q) = %+v, %v; want %+v, ok %v", tt.line, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseBootTime(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"cpu 1 2 3\nbtime 1700000000\nprocesses 5\n", 1700000000},
		{"btime 12\n", 12},
		{"cpu 1\n", 0},
		{"btime x\n", 0},
	}
	for _, tt := range tests {
		if got := parseBootTime([]byte(tt.in)); got != tt.want {
			t.Errorf("parseBootTime(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestProcessReads checks the collector's reads through its descriptors
// against fresh reads of the same files, and the descriptor count against
// a new listing, after opening and closing files in between (the count
// must follow, so the directory is really re-read).
func TestProcessReads(t *testing.T) {
	p, err := newProcessCollector()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p.stat)
	defer unix.Close(p.fdDir)
	for round := range 3 {
		var extra []*os.File
		for range round * 5 {
			f, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			extra = append(extra, f)
		}
		n, err := p.countFDs()
		if err != nil {
			t.Fatal(err)
		}
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		// ReadDir's own descriptor is in its listing, and not in ours.
		if n != len(ents)-1 {
			t.Errorf("round %d: counted %d descriptors, /proc/self/fd lists %d besides its own", round, n, len(ents)-1)
		}
		for _, f := range extra {
			f.Close()
		}
	}
	st, err := p.readStat()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := parseStat(b)
	if err != nil {
		t.Fatal(err)
	}
	if st.starttime != fresh.starttime || st.utime > fresh.utime || st.stime > fresh.stime {
		t.Errorf("through the descriptor %+v, fresh %+v", st, fresh)
	}
	if p.bootTime == 0 || p.maxFDs == 0 {
		t.Errorf("boot time %v, max fds %v: want both read", p.bootTime, p.maxFDs)
	}
}

// TestBootTimeFromClocks checks the boot time used where /proc/stat is
// hidden against /proc/stat's own.
func TestBootTimeFromClocks(t *testing.T) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	want := parseBootTime(b)
	// The clocks are read a moment apart and NTP may have slewed the wall
	// clock since boot: a second either way.
	if got := bootTimeFromClocks(); want == 0 || got < want-1 || got > want+1 {
		t.Errorf("boot time from the clocks %v, /proc/stat says %v", got, want)
	}
}
