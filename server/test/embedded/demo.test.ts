import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createMigratedDatabase, ownerInWorkspace } from '@vigilo/tests/support/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoCa } from '../../src/embedded/demo-certificates.ts';
import {
  DEMO_ENDPOINTS,
  DEMO_KINDS,
  type RunningEndpoint,
  startDemoEndpoint,
} from '../../src/embedded/demo-endpoints.ts';
import { addDemoHosts, readDemoMarker, remainingDemoHosts } from '../../src/embedded/demo-hosts.ts';
import { demoWanted } from '../../src/embedded/demo-setup.ts';
import { bootstrapFirstRun } from '../../src/platform/bootstrap.ts';

/**
 * The first-run demo's parts on their own (the whole of it runs under `npm start` in
 * tests/e2e/start.test.ts): what each endpoint serves over real TLS, the hosts it adds with
 * their audit rows, and the marker a later start reads.
 */
let db: Awaited<ReturnType<typeof createMigratedDatabase>>;
let home: string;
const NOW = new Date('2026-11-30T12:00:00Z');

beforeAll(async () => {
  db = await createMigratedDatabase('demo');
  home = await mkdtemp(path.join(os.tmpdir(), 'vigilo-demo-'));
  await bootstrapFirstRun(db.pool, { issuer: 'http://127.0.0.1:1/oidc', home });
}, 60_000);

afterAll(async () => {
  await db?.close();
  await rm(home, { recursive: true, force: true });
});

/** What a client negotiating `version` sees on the endpoint, or the handshake's error. */
function handshake(port: number, version: tls.SecureVersion, ca: string) {
  return new Promise<
    | { protocol: string | null; cn: string; dns: string; authorized: boolean; problem: string | undefined }
    | string
  >((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca,
      rejectUnauthorized: false,
      minVersion: version,
      maxVersion: version,
      ciphers: 'DEFAULT:@SECLEVEL=0',
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      resolve({
        protocol: socket.getProtocol(),
        cn: String(cert.subject?.CN),
        dns: cert.subjectaltname ?? '',
        authorized: socket.authorized,
        problem: socket.authorizationError ? String(socket.authorizationError) : undefined,
      });
      socket.end();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe('the demo endpoints', () => {
  it('serve what their hosts are meant to show, signed by the demo CA', async () => {
    const ca = await createDemoCa(NOW);
    const running: RunningEndpoint[] = [];
    try {
      for (const kind of DEMO_KINDS) {
        // Port 0: the preferred ports may be another test's; the fallback is what a taken one does.
        const e = await startDemoEndpoint({ kind, ca, port: 0, fallbackToAny: true, now: new Date() });
        if (e) running.push(e);
      }
      const port = (kind: string) => running.find((e) => e.kind === kind)!.port;
      expect(running.map((e) => e.kind)).toEqual([...DEMO_KINDS]);

      const good = await handshake(port('good'), 'TLSv1.3', ca.certPem);
      expect(good).toMatchObject({ protocol: 'TLSv1.3', cn: 'Vigilo demo: good', authorized: true });
      expect(await handshake(port('good'), 'TLSv1.1', ca.certPem)).toMatch(/ERR_SSL|EPROTO|ECONNRESET/);

      const weak = await handshake(port('weak-tls'), 'TLSv1', ca.certPem);
      expect(weak).toMatchObject({ protocol: 'TLSv1', cn: 'Vigilo demo: weak TLS', authorized: true });
      expect(await handshake(port('weak-tls'), 'TLSv1.2', ca.certPem)).toMatch(/ERR_SSL|EPROTO|ECONNRESET/);

      const wrong = await handshake(port('wrong-name'), 'TLSv1.2', ca.certPem);
      // Chained to the demo CA, but not for the name asked: only the hostname check fails.
      expect(wrong).toMatchObject({
        dns: 'DNS:wrong-name.demo.vigilo.invalid',
        authorized: false,
        problem: 'ERR_TLS_CERT_ALTNAME_INVALID',
      });

      // The HTTP answer carries HSTS where an A+ is meant, and says what the endpoint is.
      const res = await new Promise<{ hsts: string | undefined; body: string }>((resolve, reject) => {
        const socket = tls.connect(
          { host: '127.0.0.1', port: port('expiring'), servername: 'localhost', ca: ca.certPem },
          () => socket.write('GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n'),
        );
        let text = '';
        socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
        socket.on('end', () =>
          resolve({
            hsts: /strict-transport-security: ([^\r]+)/i.exec(text)?.[1],
            body: text.split('\r\n\r\n')[1] ?? '',
          }),
        );
        socket.on('error', reject);
      });
      expect(res.hsts).toBe('max-age=31536000');
      expect(res.body).toContain(`Vigilo demo endpoint "expiring": ${DEMO_ENDPOINTS.expiring.summary}.`);
    } finally {
      await Promise.all(running.map((e) => e.close()));
    }
  });
});

describe('the demo hosts', () => {
  it('are added once to the demo workspace, assigned to its only agent, audited, and remembered', async () => {
    const ws = await db.pool.query<{ id: string }>("SELECT id FROM workspaces WHERE slug = 'demo'");
    const workspaceId = ws.rows[0]!.id;
    const agentId = await ownerInWorkspace(db.pool, workspaceId, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        "INSERT INTO agents (workspace_id, name, token_hash) VALUES ($1, 'local agent', decode(md5(random()::text), 'hex')) RETURNING id",
        [workspaceId],
      );
      return rows[0]!.id;
    });
    const endpoints = DEMO_KINDS.map((kind, i) => ({ kind, port: 17441 + i }));
    const added = await addDemoHosts(db.pool, home, endpoints, NOW);
    expect(added?.agentAssigned).toBe(true);

    const hosts = await ownerInWorkspace(
      db.pool,
      workspaceId,
      async (c) =>
        (
          await c.query<{
            id: string;
            hostname: string;
            port: number;
            protocol: string;
            tags: string[];
            agent_id: string;
          }>('SELECT id, hostname, port, protocol, tags, agent_id FROM hosts ORDER BY port')
        ).rows,
    );
    expect(hosts.map((h) => [h.hostname, h.port, h.protocol, h.tags, h.agent_id])).toEqual([
      ['localhost', 17441, 'https', ['demo', 'demo-good'], agentId],
      ['localhost', 17442, 'https', ['demo', 'demo-expiring'], agentId],
      ['localhost', 17443, 'https', ['demo', 'demo-weak-tls'], agentId],
      ['localhost', 17444, 'https', ['demo', 'demo-wrong-name'], agentId],
    ]);
    const audit = await ownerInWorkspace(
      db.pool,
      workspaceId,
      async (c) =>
        (
          await c.query<{ actor: string; n: number }>(
            "SELECT actor_type || ':' || actor_id AS actor, count(*)::int AS n FROM audit_events WHERE action = 'host.added' GROUP BY 1",
          )
        ).rows,
    );
    expect(audit).toEqual([{ actor: 'system:demo', n: 4 }]);

    const read = await readDemoMarker(home);
    expect(read).toMatchObject({ ok: true, marker: { format: 1, setUpAt: NOW.toISOString(), workspaceId } });
    const marker = read.ok ? read.marker! : undefined;
    expect(marker?.hosts.map((h) => h.kind)).toEqual([...DEMO_KINDS]);

    // A host removed (or moved to another port) is what a later start serves, nothing else.
    await ownerInWorkspace(db.pool, workspaceId, async (c) => {
      await c.query('DELETE FROM hosts WHERE id = $1', [hosts[2]!.id]);
      await c.query('UPDATE hosts SET port = 18000 WHERE id = $1', [hosts[0]!.id]);
    });
    expect(await remainingDemoHosts(db.pool, marker!)).toEqual([
      { kind: 'good', hostId: hosts[0]!.id, port: 18000 },
      { kind: 'expiring', hostId: hosts[1]!.id, port: 17442 },
      { kind: 'wrong-name', hostId: hosts[3]!.id, port: 17444 },
    ]);
  });

  it('a damaged marker is reported, not guessed at', async () => {
    const other = await mkdtemp(path.join(os.tmpdir(), 'vigilo-demo-marker-'));
    try {
      expect(await readDemoMarker(other)).toEqual({ ok: true, marker: undefined });
      await mkdir(path.join(other, 'demo'));
      await writeFile(path.join(other, 'demo', 'demo.json'), '{"format": 1');
      expect(await readDemoMarker(other)).toEqual({
        ok: false,
        problem: `${path.join(other, 'demo', 'demo.json')} is not valid JSON`,
      });
      await writeFile(path.join(other, 'demo', 'demo.json'), '{"format": 2}');
      expect(await readDemoMarker(other)).toMatchObject({
        ok: false,
        problem: expect.stringContaining('is not a demo marker'),
      });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});

describe('turning the demo off', () => {
  it.each([
    [[], {}, true],
    [['--no-demo'], {}, false],
    [[], { VIGILO_DEMO: '0' }, false],
    [[], { VIGILO_DEMO: '1' }, true],
    [[], { VIGILO_DEMO: '' }, true],
    [['--no-demo'], { VIGILO_DEMO: '1' }, false],
  ])('%j with %j: enabled %s', (args, env, enabled) => {
    expect(demoWanted(args, env)).toEqual({ ok: true, enabled });
  });

  it('names a bad VIGILO_DEMO', () => {
    expect(demoWanted([], { VIGILO_DEMO: 'off' })).toEqual({
      ok: false,
      message: 'VIGILO_DEMO must be 0 or 1 (got "off")',
    });
  });
});
