package tarpit

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestDeparted checks departed on real loopback sockets: a client that
// reads our byte and closes the connection its timer later is reported to
// have left that long after the byte.
func TestDeparted(t *testing.T) {
	const timer = 300 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return
		}
		c.Read(make([]byte, 1))
		time.Sleep(timer) // the client's own timer, which departed measures
		c.Close()
	}()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rc, err := conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	probe := func() (d time.Duration, ok bool) {
		rc.Control(func(fd uintptr) { d, ok = departed(int(fd)) })
		return d, ok
	}
	if _, err := conn.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if n, err := conn.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read %d, %v; want the client's EOF", n, err)
	}
	d, ok := probe()
	if !ok || d < timer-10*time.Millisecond || d > timer+time.Second {
		t.Errorf("departed %v, %v; want about %v", d, ok, timer)
	}
}
