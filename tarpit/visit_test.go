package tarpit

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/pacing"
)

// eofNext makes "end of file after the identification" find EOF on the
// second read of its first visit.
var eofNext bool

// TestVisitReads checks on which visits the engine reads a client: every
// visit while it sends, one in readEvery once it is quiet; twice on the
// visit its identification comes, to see whether it closed right after;
// and that a client whose read finds EOF is dropped at once (issue 9).
func TestVisitReads(t *testing.T) {
	const ident = "SSH-2.0-OpenSSH_9.2\r\n"
	tests := []struct {
		name   string
		sends  func(visit int) (string, error) // what a read on this visit finds
		want   []int                           // visits that read
		closed int                             // the visit that drops it; 0: none
	}{
		{"quiet after identification",
			func(v int) (string, error) {
				if v == 1 {
					return ident, nil
				}
				return "", unix.EAGAIN
			},
			append([]int{1, 1}, quietReads(2, 15)...), 0},
		{"sends on every visit",
			func(int) (string, error) { return "junk", nil },
			[]int{1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0},
		{"sends again after being quiet",
			func(v int) (string, error) {
				if v == 1 || v == 2+readEvery || v == 3+readEvery {
					return ident, nil
				}
				return "", unix.EAGAIN
			},
			append([]int{1, 1, 2, 2 + readEvery, 3 + readEvery}, quietReads(4+readEvery, 15)...), 0},
		{"end of file",
			func(v int) (string, error) { return "", nil },
			[]int{1}, 1},
		{"end of file after the identification",
			func(v int) (string, error) {
				if v == 1 && !eofNext {
					eofNext = true
					return ident, nil
				}
				return "", nil
			},
			[]int{1, 1}, 1},
		{"end of file later",
			func(v int) (string, error) {
				switch v {
				case 1:
					return ident, nil
				case 2 + readEvery:
					return "", nil
				}
				return "", unix.EAGAIN
			},
			[]int{1, 1, 2, 2 + readEvery}, 2 + readEvery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			visit, writes, closed := 0, 0, 0
			eofNext = false
			var reads []int
			e, err := New(Config{MaxClients: 1, Pacer: pacing.NewClassic(10*time.Second, 1)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			e.ops = ioOps{
				read: func(_ int, p []byte) (int, error) {
					reads = append(reads, visit)
					s, err := tt.sends(visit)
					return copy(p, s), err
				},
				write: func(_ int, p []byte) (int, error) { writes++; return len(p), nil },
				close: func(int) error { closed = visit; return nil },
			}
			e.slots <- struct{}{}
			e.add(accepted{fd: 3}, 0)
			for now := uint32(0); now <= 15*1000; now++ {
				if writes == visit && e.wheel.n == 1 && e.clients[0].due == now {
					visit++
				}
				e.runDue(now)
			}
			if closed != tt.closed {
				t.Errorf("closed on visit %d, want %d", closed, tt.closed)
			}
			if want := max(tt.closed-1, 0); tt.closed != 0 && (writes != want || e.stats.Clients != 0 || len(e.slots) != 0) {
				t.Errorf("dropped: %d writes (want %d), %d clients, %d slots taken", writes, want, e.stats.Clients, len(e.slots))
			} else if tt.closed == 0 && writes != 15 {
				t.Fatalf("%d writes, want 15 (one per visit)", writes)
			}
			if !slices.Equal(reads, tt.want) {
				t.Errorf("read on visits %v, want %v", reads, tt.want)
			}
		})
	}
}

// quietReads lists the visits from first to last on which a client quiet
// since visit first is read: that one, then one in every readEvery.
func quietReads(first, last int) []int {
	var out []int
	for v := first; v <= last; v += readEvery {
		out = append(out, v)
	}
	return out
}
