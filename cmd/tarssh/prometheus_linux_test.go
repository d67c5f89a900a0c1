package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tarssh/tarssh/internal/testutil/contrib"
)

// TestPrometheus runs a real Prometheus (Debian's prometheus package, which
// make test installs) on loopback, scraping a real tarssh that holds
// clients of several families from many source addresses, and checks that
// the scrape passes promtool, that every expression of the Grafana
// dashboard and the alert rules evaluates without error, that
// sum(tarssh_clients) is the number of clients held, and that the series
// stay few however many distinct clients come.
func TestPrometheus(t *testing.T) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed (Debian: prometheus; make test installs it)")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian: prometheus; make test installs it)")
	}
	p := start(t, nil, "-v", "-l", "127.0.0.1:0", "--metrics", "127.0.0.1:0", "-d", "1")
	maddr := p.waitFor(`metrics, addr: (\S+)`, 10*time.Second)[1]

	// 300 distinct identifications from 200 source addresses, of every
	// family, plus 10 silent clients: none of it may become a series.
	kinds := []string{"OpenSSH_9.%d", "Go%d", "paramiko_3.%d", "dropbear_2022.%d", "PuTTY_Release_0.%d", "libssh_%d"}
	held := 0
	for i := range 310 {
		src := &net.TCPAddr{IP: net.IPv4(127, 0, 1, byte(1+i%200))}
		d := net.Dialer{LocalAddr: src, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", p.addr())
		if err != nil {
			t.Fatalf("client %d from %v: %v", i, src, err)
		}
		t.Cleanup(func() { c.Close() })
		if i < 300 {
			id := "SSH-2.0-" + fmt.Sprintf(kinds[i%len(kinds)], i) + "\r\n"
			if _, err := io.WriteString(c, id); err != nil {
				t.Fatal(err)
			}
		}
		held++
	}

	dir := t.TempDir()
	port := freePort(t)
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"+
		"rule_files: [%q]\n"+
		"scrape_configs:\n  - job_name: tarssh\n    static_configs:\n      - targets: [%q]\n",
		filepath.Join(rootDir(t), "contrib/prometheus/tarssh-rules.yml"), maddr)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address=127.0.0.1:"+port)
	var plog strings.Builder
	cmd.Stdout, cmd.Stderr = &plog, &plog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", plog.String())
		}
	})
	api := "http://127.0.0.1:" + port + "/api/v1/query?query="
	query := func(q string) ([]float64, error) {
		resp, err := http.Get(api + url.QueryEscape(q))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var r struct {
			Status, Error string
			Data          struct {
				Result []struct{ Value [2]any }
			}
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
			return nil, err
		}
		if r.Status != "success" {
			return nil, fmt.Errorf("%s: %s", r.Status, r.Error)
		}
		var out []float64
		for _, s := range r.Data.Result {
			v, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
			out = append(out, v)
		}
		return out, nil
	}
	// Wait for Prometheus to come up and scrape the clients held.
	want := fmt.Sprint(held)
	deadline := time.Now().Add(90 * time.Second)
	var last string
	for {
		v, err := query(`sum(tarssh_clients{job="tarssh"})`)
		last = fmt.Sprint(v, err)
		if err == nil && len(v) == 1 && fmt.Sprint(v[0]) == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sum(tarssh_clients) never reached %s (last: %s)", want, last)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// At least two scrapes, so that rate() has two samples.
	time.Sleep(2500 * time.Millisecond)
	for _, q := range []string{`up{job="tarssh"}`, `count(count by (family) (tarssh_clients{job="tarssh"} > 0)) >= 6`} {
		if v, err := query(q); err != nil || len(v) != 1 || v[0] < 1 {
			t.Errorf("%s: %v %v", q, v, err)
		}
	}
	if v, err := query(`count({job="tarssh", __name__!~"up|scrape_.*"})`); err != nil || len(v) != 1 || v[0] > 300 {
		t.Errorf("series in one scrape: %v %v, want at most 300", v, err)
	} else {
		t.Logf("%v series in a scrape, %d clients from 200 addresses, 300 identifications", v[0], held)
	}

	// The scrape itself passes promtool's checks.
	resp, err := http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = resp.Body
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	resp.Body.Close()

	// Every expression of the dashboard and the rules, with the
	// dashboard's variables as Grafana would fill them in.
	vars := strings.NewReplacer("$job", "tarssh", "$family", ".*", "$__rate_interval", "10s")
	n := 0
	exprs, err := contrib.Exprs(rootDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range exprs {
		q := vars.Replace(e)
		if strings.Contains(q, "$") {
			t.Errorf("%q: a variable left unfilled", e)
			continue
		}
		if _, err := query(q); err != nil {
			t.Errorf("%q: %v", q, err)
		}
		n++
	}
	t.Logf("%d expressions evaluated", n)
	// The rules loaded, none broken.
	resp, err = http.Get("http://127.0.0.1:" + port + "/api/v1/rules")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"name":"TarsshDown"`) || strings.Contains(string(body), `"health":"err"`) {
		t.Errorf("rules: %s", body)
	}
}

// rootDir is the repository's top directory.
func rootDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// freePort returns a loopback port free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
