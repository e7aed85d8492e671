package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// direction is the way bytes flow through the proxy.
type direction int

const (
	toServer direction = iota // the client's commands
	toClient                  // the server's responses
)

func (d direction) String() string { return [...]string{"client→server", "server→client"}[d] }

// A cutter decides where the proxy cuts the session: it is shown every
// chunk about to be relayed in either direction (each line the client
// sends, literal data included, and each read from the server) with at,
// the number of bytes relayed in that direction before it over all
// connections. It returns how many bytes of chunk to relay before the
// cut, or -1 to relay all of it.
type cutter func(dir direction, chunk []byte, at int64) int

// imapProxy relays the IMAP connections of a binary under test to the
// test's server, and is the test's only instrument: it sees the commands,
// counts the bytes and authenticated sessions, and, when its cutter says
// so, kills the process before relaying another byte.
type imapProxy struct {
	addr   string
	target string

	mu      sync.Mutex
	cut     cutter
	kill    func() // kills the process and returns once it is gone
	fired   bool
	relayed [2]int64
	authed  int // connections that sent LOGIN and are still open
	maxAuth int // the most authed at once
	logins  int
}

func newIMAPProxy(t *testing.T, target string) *imapProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &imapProxy{addr: ln.Addr().String(), target: target}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { p.relay(c) })
		}
	}()
	return p
}

// arm sets the cut to make once, and how to kill the process there.
func (p *imapProxy) arm(cut cutter, kill func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut, p.kill, p.fired = cut, kill, false
}

// stats returns the bytes relayed each way and whether the cut was made.
func (p *imapProxy) stats() (relayed [2]int64, fired bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.relayed, p.fired
}

// sessions returns the number of LOGINs seen and the most connections
// authenticated at the same time.
func (p *imapProxy) sessions() (logins, maxConcurrent int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logins, p.maxAuth
}

// relay serves one client connection until either side closes it or the
// cut is made.
func (p *imapProxy) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	var once sync.Once
	authed := false
	done := func() {
		once.Do(func() {
			client.Close()
			server.Close()
			p.mu.Lock()
			if authed {
				p.authed--
			}
			p.mu.Unlock()
		})
	}
	go func() {
		defer done()
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			if n > 0 && !p.forward(toClient, buf[:n], client, nil) {
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer done()
	r := bufio.NewReaderSize(client, 64<<10)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 && !p.forward(toServer, line, server, &authed) {
			return
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// forward relays chunk to w unless the cut falls in it: then it relays the
// part before the cut, kills the process and returns false. authed, for
// the client's side, is set when the chunk is a LOGIN command.
func (p *imapProxy) forward(dir direction, chunk []byte, w io.Writer, authed *bool) bool {
	p.mu.Lock()
	n := -1
	if p.cut != nil && !p.fired {
		n = p.cut(dir, chunk, p.relayed[dir])
	}
	if n < 0 {
		p.relayed[dir] += int64(len(chunk))
		if authed != nil && !*authed && isCommand(chunk, "LOGIN") {
			*authed = true
			p.logins++
			p.authed++
			p.maxAuth = max(p.maxAuth, p.authed)
		}
		p.mu.Unlock()
		_, err := w.Write(chunk)
		return err == nil
	}
	p.fired = true
	p.relayed[dir] += int64(n)
	kill := p.kill
	p.mu.Unlock()
	w.Write(chunk[:n])
	// Nothing more is relayed on this connection: the process is gone
	// when kill returns, so it cannot act on a closed connection.
	kill()
	return false
}

// isCommand reports whether a client line is the IMAP command name,
// possibly prefixed by UID ("A3 UID MOVE ..." is the command "MOVE").
func isCommand(line []byte, name string) bool {
	f := bytes.Fields(line)
	if len(f) < 2 {
		return false
	}
	cmd := f[1]
	if bytes.EqualFold(cmd, []byte("UID")) && len(f) > 2 {
		cmd = f[2]
	}
	return bytes.EqualFold(cmd, []byte(name))
}
