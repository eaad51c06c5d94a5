package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"time"
)

// transact runs one mail transaction on a session: MAIL FROM, a RCPT TO
// per recipient, DATA and the message, pipelined (RFC 2920) when the
// server offers PIPELINING. On a reused session an RSET goes first; if it
// fails the session had died while idle, nothing of the message was
// committed, and transact returns true so the caller tries another.
//
// Every recipient of rep gets a result; the error is the failure that
// concerns the whole message, as Deliver documents.
func (p *Pool) transact(ctx context.Context, c *conn, env *Envelope, rep *Report, reused bool) (*Error, bool) {
	t := p.cfg.Timeouts
	rep.Host, rep.Addr, rep.TLS, rep.Auth, rep.Reused = c.host.Name, c.addr, c.tls, c.auth, reused
	onHost := func(e *Error) *Error {
		e.Host, e.Addr = c.host.Name, c.addr
		return e
	}
	fail := func(e *Error) (*Error, bool) {
		rep.settle(e)
		return e, false
	}
	ioFail := func(stage Stage, err error) (*Error, bool) { return fail(c.ioError(ctx, stage, err)) }

	// Refuse locally what the server announced it would refuse.
	if max := c.maxSize(); max > 0 && env.Size > max {
		// RFC 1870 §6.1: a message over the server's fixed limit is a
		// permanent failure, 5.3.4.
		return fail(onHost(localError(StageLocal, false, "5.3.4", nil,
			"message of %d bytes exceeds the server's size limit of %d bytes", env.Size, max)))
	}
	utf8 := env.utf8()
	if utf8 && !c.has("SMTPUTF8") {
		// RFC 6531 §3.2: without SMTPUTF8 such addresses cannot go.
		return fail(onHost(localError(StageLocal, false, "5.6.7", nil,
			"the addresses need SMTPUTF8, which the server does not offer")))
	}

	// The recipients to name: those not already settled, up to the
	// server's RCPTMAX; the rest (over) wait for another transaction.
	var idx, over []int
	limit := c.rcptMax()
	for i := range rep.Rcpts {
		switch {
		case rep.Rcpts[i].Result != 0:
		case limit > 0 && len(idx) == limit:
			over = append(over, i)
		default:
			idx = append(idx, i)
		}
	}

	mail := "MAIL FROM:<" + env.MailFrom + ">"
	if c.has("SIZE") && env.Size > 0 {
		mail += " SIZE=" + strconv.FormatInt(env.Size, 10)
	}
	if env.EightBit && c.has("8BITMIME") {
		// Without 8BITMIME the message goes as it is: RFC 6152 would
		// have it converted to 7 bits, but nearly every server takes
		// 8-bit data, and a conversion would break DKIM signatures.
		mail += " BODY=8BITMIME"
	}
	if utf8 {
		mail += " SMTPUTF8"
	}
	cmds := make([]command, 0, len(idx)+3)
	if reused {
		cmds = append(cmds, command{"RSET", t.Command})
	}
	cmds = append(cmds, command{mail, t.Command})
	for _, i := range idx {
		cmds = append(cmds, command{"RCPT TO:<" + env.Rcpts[i] + ">", t.Command})
	}
	cmds = append(cmds, command{"DATA", t.DataInit})

	x := c.exchange(cmds, c.has("PIPELINING"), t.Command)
	defer x.finish()

	if reused {
		if r, err := x.next(); err != nil || r.Code != 250 {
			c.broken = true
			return nil, true
		}
	}
	for _, i := range over {
		rep.Rcpts[i] = RcptResult{Rcpt: env.Rcpts[i], Result: Temporary, Stage: StageLocal, Reply: Reply{
			Enhanced: "4.5.3", Text: fmt.Sprintf("more recipients than the server takes in one transaction (RCPTMAX=%d)", limit)}}
	}

	r, err := x.next()
	if err != nil {
		return ioFail(StageMail, err)
	}
	var mailErr *Error
	if r.Code != 250 {
		mailErr = onHost(replyError(StageMail, r))
		if r.Code == 421 {
			c.broken = true
			return fail(mailErr)
		}
	}

	var accepted []int
	for _, i := range idx {
		if mailErr != nil && !x.pipelined {
			break
		}
		r, err := x.next()
		if err != nil {
			return ioFail(StageRcpt, err)
		}
		switch {
		case mailErr != nil:
			// The server answers "503 need MAIL" to each; MAIL's
			// refusal is what counts.
		case r.Code/100 == 2:
			accepted = append(accepted, i)
		default:
			rep.Rcpts[i] = RcptResult{Rcpt: env.Rcpts[i], Result: rcptResult(r), Reply: r, Stage: StageRcpt}
			if r.Code == 421 {
				// The server is closing the session: the recipients it
				// has not answered wait for the next attempt.
				c.broken = true
				return fail(onHost(replyError(StageRcpt, r)))
			}
		}
	}

	if mailErr != nil || len(accepted) == 0 {
		if x.pipelined {
			// DATA went with the rest and must be refused now. Were it
			// accepted, the only safe way out is to drop the connection:
			// a lone dot might deliver an empty message.
			if r, err := x.next(); err != nil || r.Code == 354 {
				c.broken = true
			}
		}
		if mailErr != nil {
			return fail(mailErr)
		}
		return nil, false // every recipient was refused: see rep.Rcpts
	}

	r, err = x.next()
	if err == nil {
		err = x.finish()
	}
	if err != nil {
		return ioFail(StageData, err)
	}
	if r.Code != 354 {
		rep.Data = &r
		if r.Code == 421 {
			c.broken = true
		}
		return fail(onHost(replyError(StageData, r)))
	}

	readErr, writeErr := c.writeMessage(env.body(), t.DataBlock)
	if readErr != nil {
		// The message cannot be finished, and SMTP has no way to abort
		// DATA but to drop the connection.
		c.broken = true
		c.close()
		return fail(onHost(localError(StageMessage, true, "4.3.0", readErr, "reading the message: %v", readErr)))
	}
	if writeErr != nil {
		return ioFail(StageMessage, writeErr)
	}
	r, err = c.readReply(t.DataDone)
	if err != nil {
		return ioFail(StageMessage, err)
	}
	c.messages++
	rep.Data = &r
	if r.Code/100 != 2 {
		if r.Code == 421 {
			c.broken = true
		}
		return fail(onHost(replyError(StageMessage, r)))
	}
	for _, i := range accepted {
		rep.Rcpts[i] = RcptResult{Rcpt: env.Rcpts[i], Result: Delivered, Reply: r, Stage: StageMessage}
	}
	return nil, false
}

// writeMessage sends the message after a 354: lines made to end in CRLF,
// leading dots doubled, and the final dot (RFC 5321 §4.5.2). It tells a
// failure to read the message from one to send it.
func (c *conn) writeMessage(r io.Reader, timeout time.Duration) (readErr, writeErr error) {
	c.wd.timeout = timeout
	dw := &dotWriter{w: c.bw}
	if br, ok := r.(*bytes.Reader); ok {
		// The body is in memory (Envelope.Data): no copy through a buffer.
		if _, err := br.WriteTo(dw); err != nil {
			return nil, err
		}
		return nil, dw.Close()
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := dw.Write(buf[:n]); werr != nil {
				return nil, werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err, nil
		}
	}
	return nil, dw.Close()
}

// command is a command line and how long to wait for its reply.
type command struct {
	line    string
	timeout time.Duration
}

// exchange sends a transaction's commands and reads their replies in
// order. Pipelined, all commands are written at once by a goroutine while
// the replies are read, so a long list of recipients cannot deadlock with
// a server that writes replies as it reads (RFC 2920 §3.5 warns of it);
// otherwise each command waits for its reply before the next is sent, and
// the caller may stop early.
type exchange struct {
	c         *conn
	cmds      []command
	pipelined bool
	n         int        // replies read
	errc      chan error // the writer's outcome, when pipelined
	finished  bool
	writeErr  error
}

func (c *conn) exchange(cmds []command, pipelined bool, writeTimeout time.Duration) *exchange {
	x := &exchange{c: c, cmds: cmds, pipelined: pipelined}
	if pipelined {
		x.errc = make(chan error, 1)
		go func() {
			var err error
			for _, cmd := range cmds {
				if err = c.write(cmd.line, writeTimeout); err != nil {
					break
				}
			}
			if err == nil {
				err = c.flush()
			}
			x.errc <- err
		}()
	}
	return x
}

// next returns the reply to the next command.
func (x *exchange) next() (Reply, error) {
	cmd := x.cmds[x.n]
	x.n++
	if !x.pipelined {
		return x.c.cmd(cmd.line, cmd.timeout)
	}
	return x.c.readReply(cmd.timeout)
}

// finish waits for a pipelined writer. On a broken session the
// connection is closed first, so a writer stuck on a server that stopped
// reading returns.
func (x *exchange) finish() error {
	if x.errc == nil || x.finished {
		return x.writeErr
	}
	x.finished = true
	if x.c.broken {
		x.c.close()
	}
	x.writeErr = <-x.errc
	return x.writeErr
}
