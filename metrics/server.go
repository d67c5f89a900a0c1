package metrics

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sys/unix"

	"github.com/tarssh/tarssh/internal/sockaccept"
)

// The server's limits. Scrapes are small and rare (one per scrape
// interval per Prometheus), so anything slower or more numerous is
// refused or cut off rather than waited for.
const (
	// MaxConns is how many connections may be open at once. A connection
	// beyond it evicts the oldest one that has not sent a request yet (or
	// is idle between requests), so idle connections never lock a scrape
	// out; only when every open connection is being answered is the new
	// one closed.
	MaxConns = 32
	// MaxScrapes is how many scrapes run at once; more are answered 503.
	MaxScrapes = 2

	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 30 * time.Second
	maxHeaderBytes    = 4096
)

// Server serves /metrics on one listener.
type Server struct {
	srv *http.Server
	ln  *listener
}

// NewServer prepares a server for m on ln, a non-blocking listening stream
// socket (as tarpit.Listen and tarpit.FromFile return). It makes every
// system call the listener needs now, before the sandbox.
func NewServer(m *Metrics, ln *os.File) (*Server, error) {
	l, err := newListener(ln)
	if err != nil {
		return nil, err
	}
	metrics := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		MaxRequestsInFlight: MaxScrapes,
		// A series that cannot be read (say a /proc read failing) leaves
		// it out rather than failing the whole scrape.
		ErrorHandling: promhttp.ContinueOnError,
	})
	s := &Server{ln: l}
	s.srv = &http.Server{
		Handler:           handler(metrics),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		// Whatever peers send is no error of tarssh's: nothing is logged.
		ErrorLog:  log.New(io.Discard, "", 0),
		ConnState: l.track,
	}
	return s, nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.addr }

// Serve answers scrapes until Close; it then returns nil.
func (s *Server) Serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close closes the listener and every connection.
func (s *Server) Close() error { return s.srv.Close() }

// handler serves /metrics (GET and HEAD), a link to it at /, and 404 or
// 405 for anything else.
func handler(metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/metrics", "/":
		default:
			http.NotFound(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<html><head><title>tarssh</title></head><body><a href=\"/metrics\">metrics</a></body></html>\n")
			return
		}
		metrics.ServeHTTP(w, r)
	})
}

// listener accepts with raw accept4 (through Go's poller for readiness)
// and wraps each connection in an *os.File, so that serving a connection
// needs no system call beyond accept4, fcntl(F_GETFL), epoll_ctl, read,
// write and close: net's own connections would also set socket options
// and look up their local address, which the sandbox has no reason to
// allow.
type listener struct {
	f    *os.File
	rc   syscall.RawConn
	addr net.Addr

	mu    sync.Mutex
	conns map[*conn]http.ConnState
	order []*conn // oldest first
}

func newListener(f *os.File) (*listener, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	l := &listener{f: f, rc: rc, conns: map[*conn]http.ConnState{}}
	cerr := rc.Control(func(fd uintptr) {
		var sa unix.Sockaddr
		if sa, err = unix.Getsockname(int(fd)); err == nil {
			l.addr = tcpAddr(sa)
		}
	})
	if cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Accept takes the next connection, evicting an idle one when MaxConns are
// open.
func (l *listener) Accept() (net.Conn, error) {
	var sc sockaccept.Conn
	var aerr error
	err := l.rc.Read(func(fd uintptr) bool {
		sc, aerr = sockaccept.Accept(int(fd))
		return aerr != unix.EAGAIN
	})
	if err != nil {
		return nil, net.ErrClosed
	}
	if aerr != nil {
		// http.Server backs off and retries on a temporary error; every
		// accept error (out of descriptors or memory, a connection gone
		// before it was taken) passes, so none ends the server.
		return nil, tempError{aerr}
	}
	var remote net.Addr = &net.UnixAddr{Net: "unix"}
	if !sc.Unix {
		remote = net.TCPAddrFromAddrPort(sc.Peer())
	}
	c := &conn{f: os.NewFile(uintptr(sc.FD), "metrics-conn"), local: l.addr, remote: remote, l: l}
	l.admit(c)
	return c, nil
}

// admit registers c, evicting the oldest connection not being answered if
// MaxConns are open, or c itself if every one is.
func (l *listener) admit(c *conn) {
	l.mu.Lock()
	var evict *conn
	if len(l.conns) >= MaxConns {
		evict = c
		for _, o := range l.order {
			if st := l.conns[o]; st == http.StateNew || st == http.StateIdle {
				evict = o
				break
			}
		}
	}
	l.conns[c] = http.StateNew
	l.order = append(l.order, c)
	l.mu.Unlock()
	if evict != nil {
		evict.Close()
	}
}

// track follows each connection's state (http.Server.ConnState).
func (l *listener) track(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, open := l.conns[c]; !open {
		return
	}
	if st == http.StateClosed || st == http.StateHijacked {
		l.forget(c)
		return
	}
	l.conns[c] = st
}

// forget drops c from the books; l.mu is held.
func (l *listener) forget(c *conn) {
	delete(l.conns, c)
	for i, o := range l.order {
		if o == c {
			l.order = append(l.order[:i], l.order[i+1:]...)
			break
		}
	}
}

func (l *listener) Close() error   { return l.f.Close() }
func (l *listener) Addr() net.Addr { return l.addr }

// open is the number of connections open, for tests.
func (l *listener) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// conn is an accepted connection: an *os.File on Go's poller, so that
// deadlines work, with the addresses net.Conn wants. Only the methods
// net.Conn needs are forwarded, so that nothing reaches for sendfile or
// splice.
type conn struct {
	f             *os.File
	local, remote net.Addr
	l             *listener
	once          sync.Once
}

func (c *conn) Read(p []byte) (int, error)  { return c.f.Read(p) }
func (c *conn) Write(p []byte) (int, error) { return c.f.Write(p) }
func (c *conn) Close() error {
	err := c.f.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		c.l.forget(c)
		c.l.mu.Unlock()
	})
	return err
}
func (c *conn) LocalAddr() net.Addr                { return c.local }
func (c *conn) RemoteAddr() net.Addr               { return c.remote }
func (c *conn) SetDeadline(t time.Time) error      { return c.f.SetDeadline(t) }
func (c *conn) SetReadDeadline(t time.Time) error  { return c.f.SetReadDeadline(t) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.f.SetWriteDeadline(t) }

// tempError marks an accept error as worth retrying.
type tempError struct{ error }

func (tempError) Temporary() bool { return true }
func (tempError) Timeout() bool   { return false }

func tcpAddr(sa unix.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(sa.Addr[:]).To16(), Port: sa.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
	case *unix.SockaddrUnix:
		return &net.UnixAddr{Name: sa.Name, Net: "unix"}
	}
	return &net.TCPAddr{}
}
