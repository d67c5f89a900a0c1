package tarpit

import (
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/pacing"
)

// TestVisitReads checks on which visits the engine reads a client: every
// visit while it sends, one in readEvery once it is quiet, never after EOF.
func TestVisitReads(t *testing.T) {
	const ident = "SSH-2.0-OpenSSH_9.2\r\n"
	tests := []struct {
		name  string
		sends func(visit int) (string, error) // what a read on this visit finds
		want  []int                           // visits that read
	}{
		{"quiet after identification",
			func(v int) (string, error) {
				if v == 1 {
					return ident, nil
				}
				return "", unix.EAGAIN
			},
			[]int{1, 2, 8, 14}},
		{"sends on every visit",
			func(int) (string, error) { return "junk", nil },
			[]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
		{"sends again after being quiet",
			func(v int) (string, error) {
				if v == 1 || v == 8 || v == 9 {
					return ident, nil
				}
				return "", unix.EAGAIN
			},
			[]int{1, 2, 8, 9, 10}},
		{"end of file",
			func(v int) (string, error) { return "", nil },
			[]int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			visit, writes := 0, 0
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
				close: func(int) error { t.Error("client closed"); return nil },
			}
			e.add(accepted{fd: 3}, 0)
			for now := uint32(0); now <= 15*1000; now++ {
				if writes == visit && e.wheel.n == 1 && e.clients[0].due == now {
					visit++
				}
				e.runDue(now)
			}
			if writes != 15 {
				t.Fatalf("%d writes, want 15 (one per visit)", writes)
			}
			if !slices.Equal(reads, tt.want) {
				t.Errorf("read on visits %v, want %v", reads, tt.want)
			}
		})
	}
}
