package loadgen

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestBare checks that the bare tarpit writes every client a byte each
// delay, never "SSH-", and closes them all when its context ends.
func TestBare(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- Bare(ctx, ln, time.Second) }()
	var conns []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for i, c := range conns {
		got := make([]byte, 0, 2)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for len(got) < 2 { // two visits, one delay apart
			b := make([]byte, 8)
			n, err := c.Read(b)
			if err != nil {
				t.Fatalf("client %d: after %q: %v", i, got, err)
			}
			got = append(got, b[:n]...)
		}
		if string(got) != "xx" {
			t.Errorf("client %d got %q, want one x a visit", i, got)
		}
	}
	stop()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Bare returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Bare still running 10 s after its context ended")
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Error("Bare's listener still accepts after it returned")
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var err error
		for err == nil { // what was sent before the close, then the close
			_, err = c.Read(make([]byte, 8))
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("client %d: still open 10 s after Bare returned", i)
		}
	}
}
