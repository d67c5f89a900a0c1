package logwatch

import (
	"errors"
	"io"
	"regexp"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	r, w := io.Pipe()
	l := Follow(r)
	go func() {
		io.WriteString(w, "listen, addr: 127.0.0.1:2222\nconnect, peer: a\n")
		<-time.After(10 * time.Millisecond) // lines in two writes
		io.WriteString(w, "connect, peer: b\nshutdown\n")
		w.Close()
	}()
	m, at, err := l.Wait(regexp.MustCompile(`listen, addr: (\S+)`), 0, 10*time.Second)
	if err != nil || m[1] != "127.0.0.1:2222" || at != 0 {
		t.Fatalf("Wait = %q, %d, %v", m, at, err)
	}
	m, err = l.WaitN(regexp.MustCompile(`connect, peer: (\w)`), 2, 10*time.Second)
	if err != nil || m[1] != "b" {
		t.Fatalf("WaitN(2) = %q, %v", m, err)
	}
	<-l.Done()
	if _, _, err := l.Wait(regexp.MustCompile(`never`), 0, 10*time.Second); !errors.Is(err, ErrEnded) {
		t.Errorf("Wait after the end = %v, want ErrEnded", err)
	}
	if _, _, err := l.Wait(regexp.MustCompile(`listen`), 1, 10*time.Second); !errors.Is(err, ErrEnded) {
		t.Errorf("Wait from past the only match = %v, want ErrEnded", err)
	}
	if got := l.Matches(regexp.MustCompile(`^connect`)); len(got) != 2 {
		t.Errorf("Matches = %q", got)
	}
}

func TestWaitTimeout(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	l := Follow(r)
	_, _, err := l.Wait(regexp.MustCompile(`x`), 0, 20*time.Millisecond)
	if err == nil || errors.Is(err, ErrEnded) {
		t.Errorf("Wait on a quiet log = %v, want a timeout", err)
	}
}
