package systemd

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// recvRights receives one notification with the descriptors it carries.
func recvRights(t *testing.T, srv int) (string, []int) {
	t.Helper()
	buf := make([]byte, 4096)
	oob := make([]byte, unix.CmsgSpace(4*MaxFDsPerMessage))
	n, oobn, flags, _, err := unix.Recvmsg(srv, buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		t.Fatalf("nothing received: %v", err)
	}
	if flags&unix.MSG_CTRUNC != 0 {
		t.Fatal("control data truncated")
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		t.Fatal(err)
	}
	var fds []int
	for _, m := range msgs {
		r, err := unix.ParseUnixRights(&m)
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, r...)
	}
	return string(buf[:n]), fds
}

// Store sends every descriptor, at most 253 to a message, each message
// naming them; what systemd receives are the same open files.
func TestStore(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify")
	srv := listenGram(t, addr)
	unix.SetsockoptInt(srv, unix.SOL_SOCKET, unix.SO_RCVBUF, 1<<20)
	t.Setenv("NOTIFY_SOCKET", addr)
	n, err := OpenNotifier()
	if err != nil || n == nil {
		t.Fatalf("OpenNotifier: %v, %v", n, err)
	}
	defer n.Close()
	for _, count := range []int{0, 1, MaxFDsPerMessage, MaxFDsPerMessage + 1, 600} {
		// Pipes: each received read end is checked to be the same pipe
		// by writing into its write end.
		var reads, writes []int
		for range count {
			var p [2]int
			if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
				t.Fatal(err)
			}
			reads, writes = append(reads, p[0]), append(writes, p[1])
		}
		sent, err := n.Store(ClientName, reads)
		if sent != count || err != nil {
			t.Fatalf("Store(%d fds) = %d, %v", count, sent, err)
		}
		var got []int
		for len(got) < count {
			msg, fds := recvRights(t, srv)
			if msg != "FDSTORE=1\nFDNAME=c" {
				t.Errorf("message %q", msg)
			}
			if len(fds) == 0 || len(fds) > MaxFDsPerMessage {
				t.Errorf("a message with %d descriptors", len(fds))
			}
			got = append(got, fds...)
		}
		if len(got) != count {
			t.Fatalf("%d descriptors received for %d sent", len(got), count)
		}
		for i, fd := range got {
			unix.Write(writes[i], []byte{byte(i)})
			b := make([]byte, 1)
			if k, err := unix.Read(fd, b); k != 1 || b[0] != byte(i) {
				t.Fatalf("descriptor %d received is not pipe %d: %v", fd, i, err)
			}
			unix.Close(fd)
		}
		for i := range reads {
			unix.Close(reads[i])
			unix.Close(writes[i])
		}
	}
	if !n.StoreRemove(StateName) {
		t.Error("StoreRemove not sent")
	}
	if msg := recvGram(t, srv); msg != "FDSTOREREMOVE=1\nFDNAME=tarssh-state" {
		t.Errorf("remove message %q", msg)
	}
}

// A full notify socket stores nothing and says so at once; nil stores
// nothing.
func TestStoreFull(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify")
	srv := listenGram(t, addr)
	unix.SetsockoptInt(srv, unix.SOL_SOCKET, unix.SO_RCVBUF, 1)
	t.Setenv("NOTIFY_SOCKET", addr)
	n, err := OpenNotifier()
	if err != nil || n == nil {
		t.Fatalf("OpenNotifier: %v, %v", n, err)
	}
	defer n.Close()
	var failed error
	for range 10000 {
		if _, err := n.Store(ClientName, []int{0}); err != nil {
			failed = err
			break
		}
	}
	if !errors.Is(failed, unix.EAGAIN) {
		t.Errorf("storing into a full socket: %v, want EAGAIN", failed)
	}
	var none *Notifier
	if k, err := none.Store(ClientName, []int{0}); k != 0 || err != nil {
		t.Errorf("nil Notifier: %d, %v", k, err)
	}
}

func TestStoreCapacity(t *testing.T) {
	for _, tt := range []struct {
		names []string
		limit int
		want  int
	}{
		// 131072 - len("LISTEN_FDNAMES=") - NUL - "tarssh-state" - "tarssh:" = 131037, /2.
		{[]string{"tarssh"}, 0, 65518},
		{[]string{"tarssh"}, 4097, 4096},
		{[]string{"tarssh"}, 1, 0},
		{[]string{strings.Repeat("n", 255), "tarssh"}, 0, 65390},
		{nil, 0, 65522},
	} {
		got := StoreCapacity(tt.names, tt.limit)
		if got != tt.want {
			t.Errorf("StoreCapacity(%d names, %d) = %d, want %d", len(tt.names), tt.limit, got, tt.want)
		}
		// What it allows fits: the whole string, with its NUL.
		env := "LISTEN_FDNAMES=" + strings.Join(append(append(tt.names, StateName), strings.Split(strings.Repeat("c:", got), ":")[:got]...), ":")
		if len(env)+1 > maxEnvString {
			t.Errorf("%d clients make a %d-byte LISTEN_FDNAMES", got, len(env))
		}
	}
}

func TestStoreLimit(t *testing.T) {
	for _, tt := range []struct {
		env       string
		set       bool
		limit     int
		wantStore bool
	}{
		{"", false, 0, true},
		{"4097", true, 4097, true},
		{"0", true, 0, false},
		{"x", true, 0, false},
		{"-1", true, 0, false},
		{"99999999999", true, 0, false},
	} {
		if tt.set {
			t.Setenv("FDSTORE", tt.env)
		} else {
			t.Setenv("FDSTORE", "")
			os.Unsetenv("FDSTORE")
		}
		limit, ok := StoreLimit()
		if (ok && limit != tt.limit) || ok != tt.wantStore {
			t.Errorf("FDSTORE=%q (set %v): %d, %v", tt.env, tt.set, limit, ok)
		}
		if _, still := os.LookupEnv("FDSTORE"); still {
			t.Errorf("FDSTORE=%q left in the environment", tt.env)
		}
	}
}

// The state memfd is a read-write regular file; a pipe or a read-only file
// is not.
func TestStateFile(t *testing.T) {
	f, err := NewStateFile()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !IsStateFile(f) {
		t.Error("a new state memfd is not a state file")
	}
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	defer pw.Close()
	ro, err := os.Open("/proc/self/exe")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	for _, g := range []*os.File{pr, ro} {
		if IsStateFile(g) {
			t.Errorf("%s taken for a state file", g.Name())
		}
	}
}

// OpenStore adopts connected sockets named as clients and the state memfd,
// and rejects (closes) the rest of what carries the store's names: a pipe
// named as a client, a second state, a socket named as the state. A new
// state memfd is stored only when none usable came back.
func TestOpenStore(t *testing.T) {
	addr := filepath.Join(t.TempDir(), "notify")
	srv := listenGram(t, addr)
	t.Setenv("NOTIFY_SOCKET", addr)
	t.Setenv("FDSTORE", "")
	os.Unsetenv("FDSTORE")
	n, err := OpenNotifier()
	if err != nil || n == nil {
		t.Fatalf("OpenNotifier: %v, %v", n, err)
	}
	defer n.Close()

	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	serverFile := fileOf(t, server.(*net.TCPConn))
	server.Close()
	state, err := NewStateFile()
	if err != nil {
		t.Fatal(err)
	}
	state2, _ := NewStateFile()
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	stored := []Passed{
		{File: serverFile, Name: ClientName, Kind: Connected},
		{File: pw, Name: ClientName, Kind: Other},
		{File: state, Name: StateName, Kind: Other},
		{File: state2, Name: StateName, Kind: Other},
	}
	for _, p := range stored {
		if !IsStored(p) {
			t.Errorf("IsStored(%s %v) = false", p.Name, p.Kind)
		}
	}
	if IsStored(Passed{Name: ClientName, Kind: Listening}) || IsStored(Passed{Name: "tarssh", Kind: Connected}) {
		t.Error("IsStored takes a listener named c or a socket named tarssh")
	}
	s, err := OpenStore(n, stored, []string{"tarssh"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Clients) != 1 || s.Clients[0].Peer.Port() != uint16(client.LocalAddr().(*net.TCPAddr).Port) || s.State != state {
		t.Errorf("clients %+v, state %v", s.Clients, s.State)
	}
	if len(s.Rejected) != 2 || !strings.Contains(s.Rejected[0].Error(), "not a stored client") ||
		!strings.Contains(s.Rejected[1].Error(), "not a usable state memfd") {
		t.Errorf("rejected %v", s.Rejected)
	}
	if s.Capacity < 4096 || s.Add() == nil || s.StateFile() == nil {
		t.Errorf("capacity %d, add %v", s.Capacity, s.Add() != nil)
	}
	// The adopted client is ours, non-blocking, and still connected.
	if _, err := unix.Write(s.Clients[0].FD, []byte("x")); err != nil {
		t.Errorf("write to the adopted client: %v", err)
	}
	b := make([]byte, 1)
	if _, err := client.Read(b); err != nil || b[0] != 'x' {
		t.Errorf("client read %q, %v", b, err)
	}
	unix.Close(s.Clients[0].FD)

	// Nothing came back: a new state memfd is made and stored.
	s2, err := OpenStore(n, nil, []string{"tarssh"})
	if err != nil || s2.State == nil {
		t.Fatalf("OpenStore with nothing back: %v, %v", s2.State, err)
	}
	defer s2.State.Close()
	if msg, fds := recvRights(t, srv); msg != "FDSTORE=1\nFDNAME=tarssh-state" || len(fds) != 1 {
		t.Errorf("state stored as %q with %d descriptors", msg, len(fds))
	}
	// Without a notify socket, nothing is made or sent, and clients are
	// still adopted.
	s3, err := OpenStore(nil, nil, nil)
	if err != nil || s3.State != nil || s3.Add() != nil || s3.StateFile() != nil {
		t.Errorf("without systemd: %+v, %v", s3, err)
	}
}
