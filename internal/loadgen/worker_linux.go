package loadgen

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// A worker holds its share of the connections with one goroutine polling
// one epoll instance: no goroutine or buffer per connection, so the
// generator stays cheap next to the tarpit it measures.

// Connection states.
const (
	connNone uint8 = iota
	connConnecting
	connOpen
)

// pollInterval is how often a worker looks for events.
const pollInterval = 10 * time.Millisecond

type conn struct {
	state   uint8
	watch   lineWatch
	started uint32 // when the connect began, ms since worker start
	window  uint32 // bytes since the last mark
}

type worker struct {
	spec   workerSpec
	ep     int
	conns  []conn // by descriptor
	next   int    // next connection (of spec.Count) to open
	start  time.Time
	stats  workerStats
	rbuf   [4096]byte
	target unix.SockaddrInet4
}

// runWorker opens spec.Count connections and holds them, answering the
// coordinator's commands (one per line on in, one JSON report per line on
// out): "report", "mark" (start a measuring window, then report), "stop"
// (close everything, report, return). It also returns when in closes.
func runWorker(spec workerSpec, in io.Reader, out io.Writer) error {
	batchScheduling()
	w := &worker{spec: spec, start: time.Now()}
	ap, err := parseTarget(spec.Target)
	if err != nil {
		return err
	}
	w.target = unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}
	if w.ep, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		return err
	}
	defer unix.Close(w.ep)

	cmds := make(chan string)
	go func() {
		sc := bufio.NewScanner(in)
		for sc.Scan() {
			cmds <- sc.Text()
		}
		close(cmds)
	}()
	enc := json.NewEncoder(out)
	events := make([]unix.EpollEvent, 256)
	lastSweep := time.Now()
	for {
		for w.stats.Pending < spec.InFlight && w.next < spec.Count {
			w.open()
		}
		// Poll, never block in epoll_wait: a blocked worker would be woken
		// by each line the tarpit sends, in the tarpit's system call, and
		// the tarpit would pay for the wake-up (a real client is on another
		// machine). Data waits at most a poll interval in our buffers.
		n, err := unix.EpollWait(w.ep, events, 0)
		if err != nil && err != unix.EINTR {
			return err
		}
		for _, ev := range events[:max(n, 0)] {
			w.event(int(ev.Fd), ev.Events)
		}
		if n < len(events) {
			time.Sleep(pollInterval)
		}
		if time.Since(lastSweep) > time.Second {
			w.sweep()
			lastSweep = time.Now()
		}
		select {
		case cmd, ok := <-cmds:
			if !ok || cmd == "stop" {
				w.closeAll()
				if ok {
					return enc.Encode(w.stats)
				}
				return nil
			}
			if cmd == "mark" {
				w.stats.Bytes, w.stats.SSHLines = 0, 0
				for i := range w.conns {
					w.conns[i].window = 0
				}
			}
			w.count()
			if err := enc.Encode(w.stats); err != nil {
				return err
			}
		default:
		}
	}
}

func (w *worker) ms() uint32 { return uint32(time.Since(w.start) / time.Millisecond) }

// open starts the next connection: bound to its source address first, so
// that the ephemeral ports of every source address are available.
func (w *worker) open() {
	i := w.spec.First + w.next
	w.next++
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		w.fail(err)
		return
	}
	// The port is chosen at connect, unique per 4-tuple, not per address.
	unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	src := &unix.SockaddrInet4{Addr: sourceAddr(i).As4()}
	if err := unix.Bind(fd, src); err != nil {
		unix.Close(fd)
		w.fail(err)
		return
	}
	if err := unix.Connect(fd, &w.target); err != nil && err != unix.EINPROGRESS {
		unix.Close(fd)
		w.fail(err)
		return
	}
	for fd >= len(w.conns) {
		w.conns = append(w.conns, conn{})
	}
	w.conns[fd] = conn{state: connConnecting, started: w.ms()}
	ev := unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(w.ep, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		w.conns[fd].state = connNone
		unix.Close(fd)
		w.fail(err)
		return
	}
	w.stats.Pending++
}

func (w *worker) fail(err error) {
	w.stats.Failed++
	if w.stats.FirstError == "" {
		w.stats.FirstError = err.Error()
	}
}

func (w *worker) event(fd int, events uint32) {
	c := &w.conns[fd]
	switch c.state {
	case connConnecting:
		w.stats.Pending--
		serr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && serr != 0 {
			err = unix.Errno(serr)
		}
		if err == nil {
			// A real client sends its identification first.
			_, err = unix.Write(fd, []byte(w.spec.Ident))
		}
		if err == nil {
			ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
			err = unix.EpollCtl(w.ep, unix.EPOLL_CTL_MOD, fd, &ev)
		}
		if err != nil {
			c.state = connNone
			unix.Close(fd)
			w.fail(err)
			return
		}
		c.state = connOpen
		w.stats.Established++
		w.stats.Held++
	case connOpen:
		n, err := unix.Read(fd, w.rbuf[:])
		switch {
		case n > 0:
			w.stats.Bytes += uint64(n)
			c.window += uint32(n)
			w.stats.SSHLines += c.watch.feed(w.rbuf[:n])
		case err == unix.EAGAIN || err == unix.EINTR:
		default: // EOF or error: the tarpit let go of us
			w.stats.Dropped++
			w.stats.Held--
			if w.stats.FirstDrop == "" {
				w.stats.FirstDrop = "EOF"
				if err != nil {
					w.stats.FirstDrop = err.Error()
				}
			}
			c.state = connNone
			unix.Close(fd)
		}
	}
}

// sweep fails connects that took longer than the connect timeout.
func (w *worker) sweep() {
	now := w.ms()
	limit := uint32(w.spec.ConnectTimeout / time.Millisecond)
	for fd := range w.conns {
		if c := &w.conns[fd]; c.state == connConnecting && now-c.started > limit {
			c.state = connNone
			unix.Close(fd)
			w.stats.Pending--
			w.fail(unix.ETIMEDOUT)
		}
	}
}

// count refreshes the statistics that are sums over connections.
func (w *worker) count() {
	w.stats.Silent = 0
	for i := range w.conns {
		if c := &w.conns[i]; c.state == connOpen && c.window == 0 {
			w.stats.Silent++
		}
	}
	w.stats.Done = w.next == w.spec.Count && w.stats.Pending == 0
}

func (w *worker) closeAll() {
	for fd := range w.conns {
		if w.conns[fd].state != connNone {
			unix.Close(fd)
			w.conns[fd].state = connNone
		}
	}
}

// batchScheduling puts every thread of this process (and so the threads
// they start) in SCHED_BATCH, whose wake-ups never preempt a running task.
// Otherwise each line the tarpit sends wakes a worker on the tarpit's own
// CPU, which then preempts the tarpit in the middle of its round: a cost of
// loopback testing (a real client is on another machine) that would be
// charged to the tarpit.
func batchScheduling() {
	ents, _ := os.ReadDir("/proc/self/task")
	for _, ent := range ents {
		if tid, err := strconv.Atoi(ent.Name()); err == nil {
			unix.SchedSetAttr(tid, &unix.SchedAttr{Policy: unix.SCHED_BATCH}, 0)
		}
	}
}
