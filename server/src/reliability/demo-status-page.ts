import type { WorkspaceTx } from '../db/tx.ts';
import { createStatusPage, setStatusPageComponents } from './status-pages.ts';

/** The public names the demo's endpoints go by on its status page. */
const PUBLIC_NAMES: Record<string, string> = {
  good: 'Website',
  expiring: 'Checkout',
  'weak-tls': 'Legacy API',
  'wrong-name': 'Partner portal',
};

/**
 * The first-run demo's public status page, /status/demo: one component per demo host under a
 * public name, so a new user sees what the public would see (no hostnames, no tags). Called in
 * the transaction that adds the demo hosts (embedded/demo-hosts.ts); a taken slug leaves it out.
 */
export async function createDemoStatusPage(
  tx: WorkspaceTx,
  hosts: ReadonlyArray<{ kind: string; hostId: string }>,
  now: Date,
): Promise<void> {
  const taken = await tx.query('SELECT 1 FROM status_pages WHERE slug = $1', ['demo']);
  if (taken.rowCount || hosts.length === 0) return;
  const page = await createStatusPage(
    tx,
    { slug: 'demo', title: 'Demo status', description: 'The demo workspace, as the public would see it.' },
    now,
  );
  await setStatusPageComponents(
    tx,
    page.id,
    hosts.map((h) => ({ publicName: PUBLIC_NAMES[h.kind] ?? h.kind, hostId: h.hostId })),
    now,
  );
}
