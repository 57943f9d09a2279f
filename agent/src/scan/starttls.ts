/**
 * STARTTLS dialogues: SMTP (RFC 3207), IMAP (RFC 2595), POP3 (STLS, RFC 2595) and LDAP StartTLS
 * (RFC 4511 §4.14). Each speaks just enough of the protocol to reach "begin TLS now" on the plain
 * socket, and tells a service without STARTTLS apart from a service that is not what we expected.
 */
import type { Socket } from 'node:net';
import type { ServiceProtocol } from '@vigilo/shared/snapshot';
import { classifyError, fail, ok, PhaseTimeout, type Outcome, type ScanFailure } from './failure.ts';

export type StartTlsProtocol = Extract<ServiceProtocol, 'smtp' | 'imap' | 'pop3' | 'ldap'>;

class DialogueError extends Error {
  constructor(
    readonly reason: 'starttls_unsupported' | 'starttls_protocol_error',
    message: string,
  ) {
    super(message);
  }
}

/** Buffers what the server sends and hands it out by line or by predicate. */
class Conversation {
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private ended: Error | null = null;

  constructor(private readonly socket: Socket) {
    socket.on('data', this.onData);
    socket.on('error', this.onEnd);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  private readonly onData = (chunk: Buffer) => {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    // A dialogue line is short; a peer streaming megabytes is not the protocol we speak.
    if (this.buffer.length > 64 * 1024)
      this.socket.destroy(new DialogueError('starttls_protocol_error', 'reply too long'));
    this.waiter?.();
  };

  private readonly onEnd = (err?: unknown) => {
    this.ended ??=
      err instanceof Error
        ? err
        : Object.assign(new Error('connection closed during STARTTLS'), { code: 'ECONNRESET' });
    this.waiter?.();
  };

  /** Waits until `take` finds a complete unit in the buffer; returns it and consumes its bytes. */
  async read<T>(take: (buf: Buffer) => { value: T; used: number } | null): Promise<T> {
    for (;;) {
      const got = take(this.buffer);
      if (got) {
        this.buffer = this.buffer.subarray(got.used);
        return got.value;
      }
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = null;
    }
  }

  /** One CRLF- (or LF-) terminated line without its terminator. */
  line(): Promise<string> {
    return this.read((buf) => {
      const i = buf.indexOf(10);
      return i === -1
        ? null
        : { value: buf.subarray(0, i).toString('latin1').replace(/\r$/, ''), used: i + 1 };
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Detaches so the TLS layer owns the socket; bytes after the go-ahead would be a protocol error. */
  finish(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onEnd);
    this.socket.off('end', this.onEnd);
    this.socket.off('close', this.onEnd);
    this.socket.pause();
    if (this.buffer.length) {
      throw new DialogueError('starttls_protocol_error', 'server sent data after the STARTTLS go-ahead');
    }
  }
}

/** SMTP replies span lines "250-..." until "250 ...". */
async function smtpReply(c: Conversation): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  for (;;) {
    const line = await c.line();
    if (!/^\d{3}[ -]/.test(line) && !/^\d{3}$/.test(line)) {
      throw new DialogueError(
        'starttls_protocol_error',
        `not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    lines.push(line);
    if (line[3] !== '-') return { code: Number(line.slice(0, 3)), lines };
  }
}

async function smtp(c: Conversation): Promise<void> {
  const greeting = await smtpReply(c);
  if (greeting.code !== 220)
    throw new DialogueError('starttls_protocol_error', `SMTP greeting: ${greeting.lines.join(' | ')}`);
  c.send('EHLO vigilo-agent.invalid\r\n');
  const ehlo = await smtpReply(c);
  if (ehlo.code !== 250)
    throw new DialogueError('starttls_protocol_error', `EHLO refused: ${ehlo.lines.join(' | ')}`);
  if (!ehlo.lines.some((l) => /^250[ -]STARTTLS\b/i.test(l))) {
    throw new DialogueError('starttls_unsupported', 'EHLO does not advertise STARTTLS');
  }
  c.send('STARTTLS\r\n');
  const go = await smtpReply(c);
  if (go.code !== 220)
    throw new DialogueError('starttls_unsupported', `STARTTLS refused: ${go.lines.join(' | ')}`);
}

async function imap(c: Conversation): Promise<void> {
  const greeting = await c.line();
  if (!/^\* (OK|PREAUTH)\b/i.test(greeting)) {
    throw new DialogueError(
      'starttls_protocol_error',
      `IMAP greeting: ${JSON.stringify(greeting.slice(0, 80))}`,
    );
  }
  c.send('V1 STARTTLS\r\n');
  for (;;) {
    const line = await c.line();
    if (line.startsWith('* ')) continue; // untagged data may precede the tagged answer
    if (/^V1 OK\b/i.test(line)) return;
    if (/^V1 (NO|BAD)\b/i.test(line))
      throw new DialogueError('starttls_unsupported', `STARTTLS refused: ${line}`);
    throw new DialogueError(
      'starttls_protocol_error',
      `unexpected IMAP answer: ${JSON.stringify(line.slice(0, 80))}`,
    );
  }
}

async function pop3(c: Conversation): Promise<void> {
  const greeting = await c.line();
  if (!greeting.startsWith('+OK')) {
    throw new DialogueError(
      'starttls_protocol_error',
      `POP3 greeting: ${JSON.stringify(greeting.slice(0, 80))}`,
    );
  }
  c.send('STLS\r\n');
  const answer = await c.line();
  if (answer.startsWith('-ERR')) throw new DialogueError('starttls_unsupported', `STLS refused: ${answer}`);
  if (!answer.startsWith('+OK'))
    throw new DialogueError('starttls_protocol_error', `unexpected POP3 answer: ${answer}`);
}

const LDAP_STARTTLS_OID = '1.3.6.1.4.1.1466.20037';

/** The BER of ExtendedRequest{ requestName = StartTLS OID } with messageID 1. */
export function ldapStartTlsRequest(): Buffer {
  const oid = Buffer.from(LDAP_STARTTLS_OID, 'latin1');
  const name = Buffer.concat([Buffer.from([0x80, oid.length]), oid]); // [0] requestName
  const op = Buffer.concat([Buffer.from([0x77, name.length]), name]); // [APPLICATION 23]
  const id = Buffer.from([0x02, 0x01, 0x01]);
  return Buffer.concat([Buffer.from([0x30, id.length + op.length]), id, op]);
}

/** Reads a BER length at `at`; null when more bytes are needed. */
function berLength(buf: Buffer, at: number): { len: number; size: number } | null {
  const first = buf[at];
  if (first === undefined) return null;
  if (first < 0x80) return { len: first, size: 1 };
  const n = first & 0x7f;
  if (n > 4) throw new DialogueError('starttls_protocol_error', 'LDAP length too long');
  if (buf.length < at + 1 + n) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 1 + i] ?? 0);
  return { len, size: 1 + n };
}

async function ldap(c: Conversation): Promise<void> {
  c.send(ldapStartTlsRequest());
  const message = await c.read((buf) => {
    if (buf.length === 0) return null;
    if (buf[0] !== 0x30) throw new DialogueError('starttls_protocol_error', 'not an LDAP message');
    const l = berLength(buf, 1);
    if (!l || buf.length < 1 + l.size + l.len) return null;
    return { value: buf.subarray(0, 1 + l.size + l.len), used: 1 + l.size + l.len };
  });
  // SEQUENCE { INTEGER messageID, [APPLICATION 24] ExtendedResponse { ENUMERATED resultCode, ... } }
  const seq = berLength(message, 1)!;
  let at = 1 + seq.size;
  if (message[at] !== 0x02) throw new DialogueError('starttls_protocol_error', 'LDAP message without an id');
  const idLen = berLength(message, at + 1)!;
  at += 1 + idLen.size + idLen.len;
  if (message[at] !== 0x78) {
    throw new DialogueError(
      'starttls_protocol_error',
      `LDAP answer is not an ExtendedResponse (tag ${message[at]})`,
    );
  }
  const opLen = berLength(message, at + 1)!;
  at += 1 + opLen.size;
  if (message[at] !== 0x0a || message[at + 1] !== 0x01) {
    throw new DialogueError('starttls_protocol_error', 'LDAP ExtendedResponse without a result code');
  }
  const resultCode = message[at + 2];
  if (resultCode !== 0)
    throw new DialogueError('starttls_unsupported', `LDAP StartTLS refused: resultCode ${resultCode}`);
}

const DIALOGUES: Record<StartTlsProtocol, (c: Conversation) => Promise<void>> = { smtp, imap, pop3, ldap };

/**
 * Runs the STARTTLS dialogue for `protocol` on a connected plain socket. On success the socket
 * is paused with nothing buffered, ready for tls.connect({ socket }).
 */
export async function startTls(
  socket: Socket,
  protocol: StartTlsProtocol,
  timeoutMs: number,
): Promise<Outcome<{ ms: number }>> {
  const started = performance.now();
  const c = new Conversation(socket);
  const timer = setTimeout(() => socket.destroy(new PhaseTimeout('starttls', timeoutMs)), timeoutMs);
  try {
    await DIALOGUES[protocol](c);
    c.finish();
    return ok({ ms: performance.now() - started });
  } catch (err) {
    socket.destroy();
    return fail(dialogueFailure(err));
  } finally {
    clearTimeout(timer);
  }
}

function dialogueFailure(err: unknown): ScanFailure {
  if (err instanceof DialogueError)
    return { reason: err.reason, phase: 'starttls', detail: err.message, code: null };
  return classifyError(err, 'starttls');
}
