package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape is one /metrics answer: each sample by its series
// (`name{label="value",...}`), and its text.
type scrape struct {
	samples map[string]float64
	text    string
}

// get scrapes url with client.
func getScrape(t *testing.T, client *http.Client, url string) scrape {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %v, %s", err, resp.Status)
	}
	s := scrape{samples: map[string]float64{}, text: string(body)}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("scrape line %q: %v", line, err)
		}
		s.samples[line[:i]] = v
	}
	return s
}

// sum adds the samples of metric name (any labels).
func (s scrape) sum(name string) float64 {
	var v float64
	for k, x := range s.samples {
		if k == name || strings.HasPrefix(k, name+"{") {
			v += x
		}
	}
	return v
}

func (s scrape) get(t *testing.T, series string) float64 {
	t.Helper()
	v, ok := s.samples[series]
	if !ok {
		t.Fatalf("no %s in the scrape", series)
	}
	return v
}

// outside is what /proc says about a process, read from outside it.
type outside struct {
	cpu, rss, vsize, start, openFDs, maxFDs float64
}

func readOutside(t *testing.T, pid int) outside {
	t.Helper()
	var o outside
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	num := func(field int) float64 { // field as numbered in proc_pid_stat(5)
		v, err := strconv.ParseFloat(f[field-3], 64)
		if err != nil {
			t.Fatalf("/proc/%d/stat field %d: %v", pid, field, err)
		}
		return v
	}
	o.cpu = (num(14) + num(15)) / 100
	o.vsize = num(23)
	o.rss = num(24) * float64(os.Getpagesize())
	st, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			bt, _ := strconv.ParseFloat(v, 64)
			o.start = bt + num(22)/100
		}
	}
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	o.openFDs = float64(len(ents))
	lim, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(lim), "\n") {
		if strings.HasPrefix(line, "Max open files") {
			o.maxFDs, _ = strconv.ParseFloat(strings.Fields(line)[3], 64)
		}
	}
	return o
}

// TestMetricsInSandbox scrapes a sandboxed tarssh holding clients of
// several families and checks the process series against what /proc says
// from outside, and the engine's series against the clients held.
func TestMetricsInSandbox(t *testing.T) {
	p := start(t, nil, "-v", "-l", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "-d", "1")
	maddr := p.waitFor(`metrics, addr: (\S+)`, 10*time.Second)[1]
	sb := p.waitFor(`sandbox, enabled: (\w+)`, 10*time.Second)
	if sb[1] != "true" {
		t.Fatalf("the sandbox is not in force: %s", sb[0])
	}
	idents := []string{"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "SSH-2.0-Go\r\n", "SSH-2.0-paramiko_3.4.0\r\n", ""}
	for _, id := range idents {
		c := p.dial()
		if id != "" {
			if _, err := io.WriteString(c, id); err != nil {
				t.Fatal(err)
			}
		}
	}
	// One client: keep-alive, so its connection is open when /proc is
	// read from outside, as it was during the scrape.
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	url := "http://" + maddr + "/metrics"
	var s scrape
	deadline := time.Now().Add(20 * time.Second)
	for {
		s = getScrape(t, client, url)
		if s.get(t, `tarssh_clients{family="openssh"}`) == 1 && s.get(t, `tarssh_clients{family="go"}`) == 1 &&
			s.get(t, `tarssh_clients{family="paramiko"}`) == 1 && s.sum("tarssh_clients") == float64(len(idents)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scrape never showed the clients held:\n%s", s.text)
		}
		// The engine publishes once a second: wait for its next beat.
		time.Sleep(200 * time.Millisecond)
	}
	o := readOutside(t, p.cmd.Process.Pid)
	got := outside{
		cpu: s.get(t, "process_cpu_seconds_total"), rss: s.get(t, "process_resident_memory_bytes"),
		vsize: s.get(t, "process_virtual_memory_bytes"), start: s.get(t, "process_start_time_seconds"),
		openFDs: s.get(t, "process_open_fds"), maxFDs: s.get(t, "process_max_fds"),
	}
	t.Logf("scraped %+v\n/proc    %+v", got, o)
	if got.openFDs != o.openFDs {
		t.Errorf("process_open_fds %v, /proc/PID/fd lists %v", got.openFDs, o.openFDs)
	}
	if got.maxFDs != o.maxFDs {
		t.Errorf("process_max_fds %v, /proc/PID/limits says %v", got.maxFDs, o.maxFDs)
	}
	if math.Abs(got.start-o.start) > 0.01 {
		t.Errorf("process_start_time_seconds %v, /proc says %v", got.start, o.start)
	}
	if got.cpu > o.cpu || o.cpu-got.cpu > 1 {
		t.Errorf("process_cpu_seconds_total %v, /proc says %v a moment later", got.cpu, o.cpu)
	}
	if got.rss <= 0 || math.Abs(got.rss-o.rss) > 0.25*o.rss {
		t.Errorf("process_resident_memory_bytes %v, /proc says %v", got.rss, o.rss)
	}
	if got.vsize <= 0 || math.Abs(got.vsize-o.vsize) > 0.25*o.vsize {
		t.Errorf("process_virtual_memory_bytes %v, /proc says %v", got.vsize, o.vsize)
	}
	if s.get(t, "tarssh_clients_accepted_total") != float64(len(idents)) {
		t.Errorf("tarssh_clients_accepted_total %v, want %d", s.get(t, "tarssh_clients_accepted_total"), len(idents))
	}
	if !strings.Contains(s.text, `tarssh_sandbox_info{`) || !strings.Contains(s.text, `mode="on"`) {
		t.Errorf("no tarssh_sandbox_info with mode on in the scrape")
	}
	if len(p.matches(`\[(ERROR|WARN)`)) > 0 && len(p.matches(`sandbox.*unavailable`)) == 0 {
		t.Errorf("errors logged: %q", p.matches(`\[(ERROR|WARN)`))
	}
}

// TestMetricsBadRequests sends the metrics port what it must refuse, and
// checks that nothing is logged as an error and the tarpit still holds.
func TestMetricsBadRequests(t *testing.T) {
	p := start(t, nil, "-v", "-l", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "-d", "0.05")
	maddr := p.waitFor(`metrics, addr: (\S+)`, 10*time.Second)[1]
	held := p.dial()
	for _, tt := range []struct{ raw, want string }{
		{"GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 1<<20) + "\r\n\r\n", "431"},
		{"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "405"},
		{"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", "404"},
	} {
		c, err := net.DialTimeout("tcp", maddr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, tt.raw)
		line, _ := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if f := strings.Fields(line); len(f) < 2 || f[1] != tt.want {
			t.Errorf("%.40q: answered %q, want %s", tt.raw, line, tt.want)
		}
	}
	held.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := held.Read(make([]byte, 1)); err != nil {
		t.Errorf("the held client got nothing after the bad requests: %v", err)
	}
	if e := p.matches(`\[ERROR`); len(e) > 0 {
		t.Errorf("errors logged: %q", e)
	}
}
