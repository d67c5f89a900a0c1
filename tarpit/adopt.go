package tarpit

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/logging"
)

// Zero-loss restarts. With a store (systemd's fd store, Config.Store), the
// engine hands each client's socket to it as the client is accepted, so a
// crash loses none, and rewrites the clients' state (state.go) into
// Config.State on every heartbeat and at shutdown. The next process gets
// the sockets and the state file back, and Adopt takes the clients in
// again where they were. Because the store keeps a copy of every socket,
// closing ours would no longer end a dropped client: drop shuts the socket
// down first, which the store sees as a hang-up and closes its copy.

// StateFile is where the state is saved: the fd store's memfd, an
// *os.File.
type StateFile interface {
	io.ReaderAt
	io.WriterAt
}

// flagStored marks a client whose socket the store holds.
const flagStored uint8 = 1 << 7 // bits 0-6: client.go and learn.go

// keeper is the engine's side of the store; nil without one.
type keeper struct {
	store    func(fds []int) (int, error)
	capacity int // clients the store can hold
	stored   int // clients it holds now
	pending  []uint32
	batch    []uint32
	fds      []int
	state    io.WriterAt // nil: no state file
	buf      []byte      // the state writer's buffer
	gen      uint64
	shutdown func(fd int) error
	// Each kind of failure is logged once until it clears, so a store
	// that refuses every message costs one line, not one per client.
	storeFailed, saveFailed, full bool
}

func newKeeper(cfg *Config) *keeper {
	if cfg.Store == nil {
		return nil
	}
	k := &keeper{store: cfg.Store, capacity: cfg.StoreCapacity, shutdown: shutdownRDWR}
	if k.capacity <= 0 {
		k.capacity = cfg.MaxClients
	}
	if cfg.State != nil {
		k.state = cfg.State
		k.buf = make([]byte, 0, 64<<10)
	}
	return k
}

func shutdownRDWR(fd int) error { return unix.Shutdown(fd, unix.SHUT_RDWR) }

// accepted queues client i for the store.
func (k *keeper) accepted(i uint32) {
	if k != nil {
		k.pending = append(k.pending, i)
	}
}

// flushStore hands the queued clients' sockets to the store, as many as it
// can hold. What the store does not take now stays queued for the next
// turn or heartbeat.
func (e *Engine) flushStore() { e.flushStoreAt(false) }

// flushStoreAt is flushStore; heartbeat says whether a heartbeat calls it.
func (e *Engine) flushStoreAt(heartbeat bool) {
	k := e.keep
	if k == nil || len(k.pending) == 0 {
		return
	}
	k.batch, k.fds = k.batch[:0], k.fds[:0]
	rest := k.pending[:0]
	for _, i := range k.pending {
		c := &e.clients[i]
		switch {
		case c.fd < 0 || c.flags&flagStored != 0: // gone, or a slot reused and already sent
		case k.stored+len(k.batch) >= k.capacity:
			if !k.full {
				k.full = true
				e.logStore(logging.Warn, "full", fmt.Sprintf("the store holds %d clients, as many as it can: "+
					"clients above that are held but will not survive a restart", k.capacity))
			}
		default:
			c.flags |= flagStored // also keeps a slot queued twice from going twice
			k.batch = append(k.batch, i)
			k.fds = append(k.fds, int(c.fd))
		}
	}
	sent, err := k.store(k.fds)
	k.stored += sent
	for _, i := range k.batch[sent:] {
		e.clients[i].flags &^= flagStored
		rest = append(rest, i)
	}
	k.pending = rest
	switch {
	case err == unix.EAGAIN && !heartbeat:
		// systemd is busy: a burst of arrivals outran it. The next turn
		// or heartbeat tries again; only a heartbeat's failure is news.
	case err != nil && !k.storeFailed:
		k.storeFailed = true
		e.logStore(logging.Warn, "store", fmt.Sprintf("%d clients not stored yet: %s", len(rest), ErrorText(err)))
	case err == nil && k.storeFailed:
		k.storeFailed = false
		e.logStore(logging.Info, "store", "recovered")
	}
}

// unstore is called as stored client c is dropped: it shuts the socket down,
// so the store's copy sees a hang-up and is closed too.
func (e *Engine) unstore(c *client) {
	if e.keep != nil && c.flags&flagStored != 0 {
		e.keep.shutdown(int(c.fd))
		e.keep.stored--
	}
}

// persist runs on every heartbeat: it retries what the store did not take
// and saves the state.
func (e *Engine) persist() {
	if e.keep == nil {
		return
	}
	e.flushStoreAt(true)
	e.saveState()
}

// saveState writes every stored client's state to the next slot of the
// state file.
func (e *Engine) saveState() {
	k := e.keep
	if k == nil || k.state == nil {
		return
	}
	now, wall := e.now(), time.Now().UnixMilli()
	k.gen++
	err := writeSlot(k.state, k.buf, int64(k.gen&1)*stateSlotSpan, k.gen, wall,
		func(emit func(uint16, string)) {
			for id := identFirst; id < len(e.idents.strs); id++ {
				if e.idents.refs[id] > 0 {
					emit(uint16(id), e.idents.strs[id])
				}
			}
		},
		e.saveLearned,
		func(emit func([]byte)) {
			var rec [stateRecordLen]byte
			for i := range e.clients {
				c := &e.clients[i]
				if c.fd < 0 || c.flags&flagStored == 0 {
					continue
				}
				key := connKey{peer: c.addr, peerPort: c.port}
				if l := e.local(c); l.IsValid() {
					key.local, key.localPort = l.Addr().As16(), l.Port()
				}
				wait := max(int64(int32(c.due-now)), 0) * int64(tick/time.Millisecond)
				sc := savedClient{
					connected: wall - int64(now-c.born)*int64(tick/time.Millisecond),
					sent:      c.sent, wait: uint32(min(wait, 1<<31)), pace: c.pace,
					ident: c.ident, eof: c.flags&flagEOF != 0,
				}
				putRecord(rec[:], key, &sc)
				emit(rec[:])
			}
		})
	switch {
	case err != nil && !k.saveFailed:
		k.saveFailed = true
		e.logStore(logging.Warn, "state", "cannot save the clients' state: "+ErrorText(err))
	case err == nil && k.saveFailed:
		k.saveFailed = false
		e.logStore(logging.Info, "state", "recovered")
	}
}

// logStore logs one "fdstore" line: what went wrong (or "recovered").
func (e *Engine) logStore(level logging.Level, what, msg string) {
	e.cfg.Log.Log(logging.New(level, "fdstore").Quote(what, msg, "ERROR").Record())
}

// Conn is a client's connected socket, handed over from a previous process
// (the fd store), with its two ends' addresses.
type Conn struct {
	FD          int
	Peer, Local netip.AddrPort // IPv4 as IPv4-mapped IPv6; zero for a unix socket
	Unix        bool
}

// ConnOf checks that f is a connected stream socket and returns it ready
// for the engine: non-blocking, its addresses read (which the sandbox will
// later forbid). On success the socket moves into the Conn and f is
// closed; on error f is left open for the caller to report and close.
func ConnOf(f *os.File) (Conn, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return Conn{}, err
	}
	var fd int
	rc.Control(func(p uintptr) { fd = int(p) })
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	switch {
	case err != nil:
		return Conn{}, fmt.Errorf("descriptor %d (%s) is not a socket", fd, f.Name())
	case typ != unix.SOCK_STREAM:
		return Conn{}, fmt.Errorf("descriptor %d (%s) is not a stream socket", fd, f.Name())
	case listening(fd):
		return Conn{}, fmt.Errorf("descriptor %d (%s) is a listening socket, not a client", fd, f.Name())
	}
	peer, err := unix.Getpeername(fd)
	if err != nil {
		return Conn{}, fmt.Errorf("descriptor %d (%s) is not connected: %s", fd, f.Name(), ErrorText(err))
	}
	local, err := unix.Getsockname(fd)
	if err != nil {
		return Conn{}, fmt.Errorf("descriptor %d (%s): %s", fd, f.Name(), ErrorText(err))
	}
	var c Conn
	switch p := peer.(type) {
	case *unix.SockaddrInet4:
		c.Peer = netip.AddrPortFrom(netip.AddrFrom16(netip.AddrFrom4(p.Addr).As16()), uint16(p.Port))
	case *unix.SockaddrInet6:
		c.Peer = netip.AddrPortFrom(netip.AddrFrom16(p.Addr), uint16(p.Port))
	case *unix.SockaddrUnix:
		c.Unix = true
	default:
		return Conn{}, fmt.Errorf("descriptor %d (%s) is not an IP or unix socket", fd, f.Name())
	}
	switch l := local.(type) {
	case *unix.SockaddrInet4:
		c.Local = netip.AddrPortFrom(netip.AddrFrom16(netip.AddrFrom4(l.Addr).As16()), uint16(l.Port))
	case *unix.SockaddrInet6:
		c.Local = netip.AddrPortFrom(netip.AddrFrom16(l.Addr), uint16(l.Port))
	}
	nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return Conn{}, fmt.Errorf("descriptor %d (%s): %v", fd, f.Name(), err)
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return Conn{}, fmt.Errorf("descriptor %d (%s): %v", fd, f.Name(), err)
	}
	f.Close()
	c.FD = nfd
	return c, nil
}

// Adopt takes in clients a previous process held, before Serve: each is
// matched to its saved state in Config.State by its addresses and resumes
// where it was (connect time, bytes sent, identification, pacing); one
// without state is held all the same, as if just connected. The store
// still holds them all. Clients beyond MaxClients are shut down and
// closed. It logs one line: how many were adopted, how many had no state,
// and why the state was unusable, if it was.
func (e *Engine) Adopt(conns []Conn) {
	var st *savedState
	var stateErr error
	if e.cfg.State != nil {
		st, stateErr = readState(e.cfg.State)
		if errors.Is(stateErr, errNoState) {
			stateErr = nil
		}
	}
	e.restoreLearned(st)
	if k := e.keep; k != nil && k.capacity < e.cfg.MaxClients {
		k.full = true // said once, here
		e.logStore(logging.Warn, "capacity", fmt.Sprintf("the store can give back %d clients, fewer than --max-clients %d "+
			"(FileDescriptorStoreMax=, LimitNOFILE=, LISTEN_FDNAMES): clients above that are held but will not survive a restart",
			k.capacity, e.cfg.MaxClients))
	}
	now, wall := e.now(), time.Now().UnixMilli()
	adopted, stateless, over := 0, 0, 0
	for _, conn := range conns {
		if len(e.slots) == cap(e.slots) {
			shutdownRDWR(conn.FD)
			e.ops.close(conn.FD)
			over++
			continue
		}
		e.slots <- struct{}{}
		sc, ok := st.lookup(conn)
		if !ok {
			stateless++
		}
		e.adopt(conn, sc, ok, now, wall, st)
		adopted++
	}
	if e.keep != nil {
		e.keep.stored += adopted
	}
	level := logging.Info
	if over > 0 || stateErr != nil {
		level = logging.Warn
	}
	b := logging.New(level, "adopt").Int("clients", int64(adopted), "CLIENTS").
		Int("stateless", int64(stateless), "STATELESS")
	if over > 0 {
		b.Int("over_max_clients", int64(over), "")
	}
	if st != nil && st.ambiguous > 0 {
		b.Int("ambiguous", int64(st.ambiguous), "")
	}
	if stateErr != nil {
		b.Quote("state_error", stateErr.Error(), "ERROR")
	}
	if len(conns) > 0 || stateErr != nil {
		e.cfg.Log.Log(b.Record())
	}
	// Both slots now describe these clients, so that no older state can
	// win over what this process writes next.
	if len(conns) > 0 {
		e.saveState()
		e.saveState()
	}
}

// lookup finds conn's saved state: by its own local address, then by the
// wildcard a listener may have been bound to.
func (st *savedState) lookup(conn Conn) (savedClient, bool) {
	if st == nil || conn.Unix {
		return savedClient{}, false
	}
	k := connKey{peer: conn.Peer.Addr().As16(), peerPort: conn.Peer.Port(), local: conn.Local.Addr().As16(), localPort: conn.Local.Port()}
	for _, local := range [][16]byte{k.local, netip.IPv6Unspecified().As16(), netip.IPv4Unspecified().As16()} {
		k.local = local
		if sc, ok := st.clients[k]; ok {
			return sc, true
		}
	}
	return savedClient{}, false
}

// adopt puts conn into the slab and the schedule.
func (e *Engine) adopt(conn Conn, sc savedClient, ok bool, now uint32, wall int64, st *savedState) {
	i := e.newRecord()
	e.clients[i] = client{fd: int32(conn.FD), born: now, addr: conn.Peer.Addr().As16(), port: conn.Peer.Port(),
		lis: e.listenerOf(conn.Local), flags: flagStored}
	c := &e.clients[i]
	if conn.Unix {
		c.flags |= flagUnix
	}
	due := now + ticks(e.cfg.Pacer.First())
	if ok {
		age := min(max(wall-sc.connected, 0)/int64(tick/time.Millisecond), 1<<31-1)
		c.born = now - uint32(age)
		c.sent, c.pace = sc.sent, sc.pace
		switch sc.ident {
		case identFirst:
			c.ident = e.idents.intern([]byte(sc.identStr))
		default:
			c.ident = sc.ident
		}
		e.identified(c)
		c.flags |= wroteMore // its writes before the restart are not known: its departure is not counted
		if sc.eof {
			c.flags |= flagEOF
		}
		late := max(wall-st.written, 0)
		due = now + ticks(time.Duration(max(int64(sc.wait)-late, 0))*time.Millisecond)
	}
	if src, ok := e.src.sourceOf(&c.addr, conn.Unix); ok {
		e.src.count(src) // held already: no cap applies
	}
	e.stats.Clients++
	e.stats.Total++
	e.stats.Families[c.pace.Family]++
	e.wheel.push(e.clients, i, due)
}

// listenerOf is the index of the listener a client with local address
// local came through (one on its port, bound to its address or to a
// wildcard), or 255 if none is.
func (e *Engine) listenerOf(local netip.AddrPort) uint8 {
	for i, l := range e.lnAddrs {
		if l.Port() == local.Port() && (l.Addr().IsUnspecified() || l.Addr().As16() == local.Addr().As16()) {
			return uint8(i)
		}
	}
	return 255
}
