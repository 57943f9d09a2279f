// The demo's hosts: added once, on the first start, to the `demo` workspace like any host (audit
// row, event, the agent nudged), and remembered in the data folder so a later start serves the
// endpoints of those still monitored and never adds them again.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { z } from 'zod';
import { type Actor, withWorkspace } from '../db/tx.ts';
import { insertHost } from '../monitoring/hosts/host-records.ts';
import { DEMO_WORKSPACE } from '../platform/bootstrap.ts';
import { createDemoStatusPage } from '../reliability/demo-status-page.ts';
import { DEMO_ENDPOINTS, DEMO_HOSTNAME, DEMO_KINDS, type DemoKind } from './demo-endpoints.ts';

const DEMO_ACTOR: Actor = { type: 'system', id: 'demo' };
/** Every 15 minutes: the demo shows some history without much load. */
const DEMO_INTERVAL_S = 900;

const markerSchema = z.object({
  format: z.literal(1),
  setUpAt: z.string(),
  workspaceId: z.uuid(),
  hosts: z.array(z.object({ kind: z.enum(DEMO_KINDS), hostId: z.uuid() })),
});
export type DemoMarker = z.infer<typeof markerSchema>;

/** The demo's folder in the data folder: the marker and the demo CA's certificate. */
export const demoDir = (home: string) => path.join(home, 'demo');
const markerFile = (home: string) => path.join(demoDir(home), 'demo.json');

/**
 * The marker of a demo set up on an earlier start; undefined when there is none. A damaged marker
 * is reported as such: the caller runs no demo rather than guess which hosts were the demo's.
 */
export async function readDemoMarker(
  home: string,
): Promise<{ ok: true; marker: DemoMarker | undefined } | { ok: false; problem: string }> {
  let text: string;
  try {
    text = await readFile(markerFile(home), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, marker: undefined };
    return { ok: false, problem: `cannot read ${markerFile(home)}: ${(err as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: `${markerFile(home)} is not valid JSON` };
  }
  const parsed = markerSchema.safeParse(json);
  if (!parsed.success) return { ok: false, problem: `${markerFile(home)} is not a demo marker` };
  return { ok: true, marker: parsed.data };
}

async function writeDemoMarker(home: string, marker: DemoMarker): Promise<void> {
  await mkdir(demoDir(home), { recursive: true, mode: 0o700 });
  const tmp = `${markerFile(home)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, markerFile(home));
}

export type DemoHost = { kind: DemoKind; hostId: string; port: number };

/**
 * Adds one host per endpoint to the `demo` workspace, tagged `demo` and the endpoint's own tag,
 * assigned to the workspace's agent (on a first start, the local agent just enrolled), then
 * writes the marker. Returns undefined when there is no `demo` workspace.
 */
export async function addDemoHosts(
  owner: pg.Pool,
  home: string,
  endpoints: ReadonlyArray<{ kind: DemoKind; port: number }>,
  now: Date,
): Promise<{ hosts: DemoHost[]; agentAssigned: boolean } | undefined> {
  const ws = await owner.query<{ id: string }>('SELECT id FROM workspaces WHERE slug = $1', [DEMO_WORKSPACE]);
  const workspaceId = ws.rows[0]?.id;
  if (!workspaceId) return undefined;
  const added = await withWorkspace(
    owner,
    workspaceId,
    { actor: DEMO_ACTOR, requestId: undefined },
    async (tx) => {
      // A fresh data folder has exactly one agent: the local one. Anything else is left to the
      // workspace's own rule for hosts added without an agent.
      const agents = await tx.query<{ id: string }>(
        'SELECT id FROM agents WHERE revoked_at IS NULL ORDER BY enrolled_at LIMIT 2',
      );
      const agentId = agents.rows.length === 1 ? agents.rows[0]?.id : undefined;
      const hosts: DemoHost[] = [];
      for (const e of endpoints) {
        const result = await insertHost(tx, {
          hostname: DEMO_HOSTNAME,
          port: e.port,
          protocol: 'https',
          intervalS: DEMO_INTERVAL_S,
          tags: ['demo', DEMO_ENDPOINTS[e.kind].tag],
          ...(agentId ? { agentId } : {}),
        });
        if ('id' in result) hosts.push({ kind: e.kind, hostId: result.id, port: e.port });
      }
      await createDemoStatusPage(tx, hosts, now); // /status/demo: the demo as the public sees it
      return { hosts, agentAssigned: agentId !== undefined };
    },
  );
  await writeDemoMarker(home, {
    format: 1,
    setUpAt: now.toISOString(),
    workspaceId,
    hosts: added.hosts.map(({ kind, hostId }) => ({ kind, hostId })),
  });
  return added;
}

/** The marker's hosts that are still monitored, with their current port (a person may edit it). */
export async function remainingDemoHosts(owner: pg.Pool, marker: DemoMarker): Promise<DemoHost[]> {
  const ids = marker.hosts.map((h) => h.hostId);
  const rows = await withWorkspace(
    owner,
    marker.workspaceId,
    { actor: DEMO_ACTOR, requestId: undefined },
    async (tx) =>
      (await tx.query<{ id: string; port: number }>('SELECT id, port FROM hosts WHERE id = ANY($1)', [ids]))
        .rows,
  );
  const port = new Map(rows.map((r) => [r.id, r.port]));
  return marker.hosts.flatMap((h) => {
    const p = port.get(h.hostId);
    return p === undefined ? [] : [{ ...h, port: p }];
  });
}
