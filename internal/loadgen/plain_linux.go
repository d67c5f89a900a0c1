package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// A plain worker holds its connections as ordinary clients do: a goroutine
// per connection blocked in a read on Go's network poller (which sleeps in
// epoll_wait), with default scheduling. Each burst of lines the tarpit
// sends wakes it, as it would wake real clients on this machine; this is
// what the other tarpits' figures are measured with, so the comparisons
// use it (ClientPlain, the default). The batch worker (ClientBatch) hides
// that cost: see runWorker.

// plainConn is one connection's counters, under the worker's lock.
type plainConn struct {
	c      *net.TCPConn
	open   bool
	watch  lineWatch
	window uint32    // bytes since the last mark
	last   time.Time // the last read with data since the last mark
}

type plainWorker struct {
	spec  workerSpec
	mu    sync.Mutex
	conns []*plainConn
	stats workerStats
	wg    sync.WaitGroup
}

// runPlainWorker opens spec.Count connections, spec.InFlight at a time,
// and answers the coordinator's commands as runWorker does.
func runPlainWorker(spec workerSpec, in io.Reader, out io.Writer) error {
	ap, err := parseTarget(spec.Target)
	if err != nil {
		return err
	}
	w := &plainWorker{spec: spec}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.stats.Pending = spec.Count // every connect not yet finished
	go w.connectAll(ctx, net.TCPAddrFromAddrPort(ap))

	enc := json.NewEncoder(out)
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		cmd := sc.Text()
		if cmd == "stop" {
			cancel()
			w.closeAll()
			return enc.Encode(w.report(false))
		}
		if err := enc.Encode(w.report(cmd == "mark")); err != nil {
			return err
		}
	}
	cancel()
	w.closeAll()
	return sc.Err()
}

// connectAll dials every connection, at most InFlight at once.
func (w *plainWorker) connectAll(ctx context.Context, target *net.TCPAddr) {
	sem := make(chan struct{}, max(w.spec.InFlight, 1))
	for k := range w.spec.Count {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return
		}
		go func() {
			defer func() { <-sem }()
			w.dial(ctx, target, w.spec.First+k)
		}()
	}
}

// dial opens connection i from its source address, sends the
// identification and then reads until the tarpit lets go.
func (w *plainWorker) dial(ctx context.Context, target *net.TCPAddr, i int) {
	d := net.Dialer{
		LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(sourceAddr(i), 0)),
		Timeout:   w.spec.ConnectTimeout,
		// The port is chosen at connect, unique per 4-tuple, not per address.
		Control: func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) {
				unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
			})
		},
	}
	nc, err := d.DialContext(ctx, "tcp4", target.String())
	if err == nil {
		_, err = io.WriteString(nc, w.spec.Ident)
		if err != nil {
			nc.Close()
		}
	}
	w.mu.Lock()
	w.stats.Pending--
	if err != nil {
		w.stats.Failed++
		if w.stats.FirstError == "" {
			w.stats.FirstError = err.Error()
		}
		w.mu.Unlock()
		return
	}
	pc := &plainConn{c: nc.(*net.TCPConn), open: true}
	w.conns = append(w.conns, pc)
	w.stats.Established++
	w.stats.Held++
	w.wg.Add(1)
	w.mu.Unlock()
	go w.hold(pc)
}

// hold reads and counts what the tarpit sends until it closes or errs.
func (w *plainWorker) hold(pc *plainConn) {
	defer w.wg.Done()
	buf := make([]byte, 1024)
	for {
		n, err := pc.c.Read(buf)
		w.mu.Lock()
		if n > 0 {
			now := time.Now()
			if !pc.last.IsZero() {
				w.stats.MaxGap = max(w.stats.MaxGap, now.Sub(pc.last))
			}
			pc.last = now
			w.stats.Bytes += uint64(n)
			pc.window += uint32(n)
			w.stats.SSHLines += pc.watch.feed(buf[:n])
		}
		if err != nil {
			if pc.open { // not closed by us
				pc.open = false
				w.stats.Dropped++
				w.stats.Held--
				if w.stats.FirstDrop == "" {
					w.stats.FirstDrop = "EOF"
					if !errors.Is(err, io.EOF) {
						w.stats.FirstDrop = err.Error()
					}
				}
				pc.c.Close()
			}
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
	}
}

// report counts the sums over connections; mark starts a new window.
func (w *plainWorker) report(mark bool) workerStats {
	w.mu.Lock()
	defer w.mu.Unlock()
	if mark {
		w.stats.Bytes, w.stats.SSHLines, w.stats.MaxGap = 0, 0, 0
		for _, pc := range w.conns {
			pc.window, pc.last = 0, time.Time{}
		}
	}
	w.stats.Silent = 0
	for _, pc := range w.conns {
		if pc.open && pc.window == 0 {
			w.stats.Silent++
		}
	}
	w.stats.Done = w.stats.Pending == 0
	return w.stats
}

// closeAll resets every connection (no TIME_WAIT left behind) and waits
// for their readers.
func (w *plainWorker) closeAll() {
	w.mu.Lock()
	for _, pc := range w.conns {
		if pc.open {
			pc.open = false
			pc.c.SetLinger(0)
			pc.c.Close()
		}
	}
	w.mu.Unlock()
	w.wg.Wait()
}
