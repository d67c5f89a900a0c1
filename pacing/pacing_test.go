package pacing

import (
	"bytes"
	"testing"
	"time"

	"github.com/tarssh/tarssh/internal/testutil/rfc4253"
)

func FuzzRandLine(f *testing.F) {
	f.Add(uint64(0))
	f.Add(uint64(1))
	f.Add(^uint64(0))
	f.Fuzz(func(t *testing.T, seed uint64) {
		r := Rand(seed)
		var stream []byte
		for range 50 {
			buf := make([]byte, MaxChunk)
			n := r.Line(buf)
			if n < 3 || n > 32 || buf[n-2] != '\r' || buf[n-1] != '\n' {
				t.Fatalf("Line = %q", buf[:n])
			}
			stream = append(stream, buf[:n]...)
		}
		if err := rfc4253.Stream(stream, false); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzClassic drives Classic.Next and Wrote through arbitrary partial
// writes (as a full socket buffer makes them) and checks the stream the
// client receives stays valid.
func FuzzClassic(f *testing.F) {
	f.Add(uint64(1), []byte{0xff, 0xff, 0xff})
	f.Add(uint64(2), []byte{1, 0, 2, 0, 1, 1, 1, 1, 3, 31, 30, 29})
	f.Add(uint64(3), []byte{0, 0, 0, 5, 0, 1})
	f.Fuzz(func(t *testing.T, seed uint64, writes []byte) {
		c := NewClassic(time.Second, seed)
		var st State
		var stream []byte
		lines := 0
		for _, w := range writes {
			buf := make([]byte, MaxChunk)
			n, wait := c.Next(&st, buf)
			if n < 1 || n > MaxChunk || wait != time.Second {
				t.Fatalf("Next = %d, %v", n, wait)
			}
			k := int(w) % (n + 1) // 0: the write would block
			stream = append(stream, buf[:k]...)
			c.Wrote(&st, buf[:k])
			lines += bytes.Count(buf[:k], []byte("\n"))
		}
		if err := rfc4253.Stream(stream, false); err != nil {
			t.Fatal(err)
		}
		if int(st.Lines) != min(lines, 0xffff) {
			t.Errorf("State.Lines = %d, stream has %d lines", st.Lines, lines)
		}
	})
}

func TestRandLineLengths(t *testing.T) {
	r := Rand(42)
	seen := map[int]int{}
	chars := map[byte]bool{}
	buf := make([]byte, MaxChunk)
	for range 20000 {
		n := r.Line(buf)
		seen[n]++
		for _, b := range buf[:n-2] {
			chars[b] = true
		}
	}
	for n := 3; n <= 32; n++ {
		if seen[n] < 20000/30/2 {
			t.Errorf("lines of %d bytes: %d of 20000, want about %d", n, seen[n], 20000/30)
		}
	}
	if len(seen) != 30 {
		t.Errorf("line lengths seen: %v", seen)
	}
	if len(chars) != 95 {
		t.Errorf("%d distinct characters, want all 95 printable", len(chars))
	}
}

func TestRandIntn(t *testing.T) {
	r := Rand(7)
	for _, n := range []int{1, 2, 30, 95, 1 << 20} {
		for range 1000 {
			if v := r.Intn(n); v < 0 || v >= n {
				t.Fatalf("Intn(%d) = %d", n, v)
			}
		}
	}
}

func TestClassicFirstAndIdentify(t *testing.T) {
	c := NewClassic(7*time.Second, 1)
	if c.First() != 7*time.Second {
		t.Errorf("First() = %v", c.First())
	}
	var st State
	c.Identify(&st, []byte("SSH-2.0-OpenSSH_9.2p1"))
	if st.Family != OpenSSH {
		t.Errorf("Identify: family %v", st.Family)
	}
	c.Identify(&st, nil)
	if st.Family != Silent {
		t.Errorf("Identify(nil): family %v", st.Family)
	}
}

func TestFamilyString(t *testing.T) {
	seen := map[string]bool{}
	for f := Unknown; f < NumFamilies; f++ {
		s := f.String()
		if s == "" || s == "invalid" || seen[s] {
			t.Errorf("Family(%d).String() = %q", f, s)
		}
		seen[s] = true
	}
	if NumFamilies.String() != "invalid" {
		t.Errorf("NumFamilies.String() = %q", NumFamilies.String())
	}
}

func TestAdvanceSaturates(t *testing.T) {
	st := State{Lines: 0xfffe}
	advance(&st, []byte("ab\r\ncd\r\nef"))
	if st.Lines != 0xffff || st.Col != 2 {
		t.Errorf("after saturation: %+v", st)
	}
	advance(&st, bytes.Repeat([]byte("x"), 300))
	if st.Col != colCR-1 {
		t.Errorf("Col = %d, want saturated at %d", st.Col, colCR-1)
	}
	advance(&st, []byte("\r"))
	buf := make([]byte, MaxChunk)
	if n := finishLine(&st, buf); n != 1 || buf[0] != '\n' {
		t.Errorf("after a lone CR: finishLine = %q", buf[:n])
	}
}
