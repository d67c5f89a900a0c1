// Command goold is an SSH client built with golang.org/x/crypto v0.55.0,
// the last release whose readVersion takes at most 255 bytes in all before
// the server's version line (later releases take 1024 lines). Bots built
// with it are still about; the e2e tests trap it. Usage: goold ADDR:PORT.
package main

import (
	"fmt"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: goold ADDR:PORT")
		os.Exit(64)
	}
	conn, err := net.Dial("tcp", os.Args[1])
	if err == nil {
		_, _, _, err = ssh.NewClientConn(conn, os.Args[1], &ssh.ClientConfig{
			User: "root", Auth: []ssh.AuthMethod{ssh.Password("x")},
			HostKeyCallback: ssh.InsecureIgnoreHostKey(),
		})
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
