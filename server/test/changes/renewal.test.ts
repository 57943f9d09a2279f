import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { removeDefaultAlertRules } from '@vigilo/tests/support/alerts';
import { eventsAbout } from './calendar-support.ts';
import { addPerson, auditRows, inAcme, WS } from './support.ts';

/**
 * Certificates meet changes through the real agent API: an expiry alert opened by ingest drafts
 * its renewal in one call (the host, the certificate, a window before the expiry that avoids a
 * freeze window, the renewal template), and a later snapshot of the host serving a new
 * certificate completes it, recorded as the agent with the snapshot as evidence. (The same loop
 * with a real agent scanning a real TLS endpoint: tests/e2e/renewal-loop.test.ts.)
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let world: World;
let agent: TestAgent;
let alice: Awaited<ReturnType<typeof addPerson>>;
let n = 0;

beforeAll(async () => {
  world = await createWorld();
  // Its alerts come from the rules it makes; the defaults would open more.
  await removeDefaultAlertRules(world);
  alice = await addPerson(world, 'Alice', 'approver');
  agent = await enrollAgent(world);
  await world.client('admin').alertRules.create.mutate({
    workspace: WS,
    name: 'expires within 30 days',
    predicate: { kind: 'expires_within', days: 30 },
    severity: 'warning',
  });
});
afterAll(async () => {
  await world?.close();
});

/** A host of the agent scanned once serving a certificate expiring in `days`; its open alert. */
async function expiringHost(days: number) {
  n += 1;
  const hostname = `shop${n}.internal`;
  const host = await world
    .client('member')
    .hosts.add.mutate({ workspace: WS, hostname, port: 443, agentId: agent.id });
  const notAfter = new Date(Date.now() + days * DAY);
  await agent.push([makeSnapshot({ hostId: host.id, hostname, notAfter, certSeed: `old-${hostname}` })]);
  const { alerts } = await world
    .client('member')
    .alerts.list.query({ workspace: WS, hostId: host.id, state: 'open' });
  return { host, hostname, notAfter, alertId: alerts[0]!.id };
}

const draft = (alertId: string) =>
  world.client('member').changes.draftRenewal.mutate({ workspace: WS, alertId });

describe('changes.draftRenewal', () => {
  it('drafts a normal change before the expiry when there is no renewal template', async () => {
    const { host, hostname, notAfter, alertId } = await expiringHost(10);
    const before = Date.now();
    const change = await draft(alertId);
    expect(change).toMatchObject({
      type: 'normal',
      state: 'draft',
      affectedHostIds: [host.id],
      alertIds: [alertId],
      templateId: null,
      collisions: [],
      title: `Renew the certificate of ${hostname}:443 before ${notAfter.toISOString().slice(0, 10)}`,
    });
    // The first whole hour after 48 h of notice (no lead-time risk), an hour long, before the expiry.
    const start = change.plannedStart!.getTime();
    expect(start).toBeGreaterThanOrEqual(before + 48 * HOUR);
    expect(start).toBeLessThanOrEqual(Date.now() + 49 * HOUR);
    expect(start % HOUR).toBe(0);
    expect(change.plannedEnd!.getTime()).toBe(start + HOUR);
    const { rows } = await inAcme(world, (q) =>
      q<{ fingerprint: string }>('SELECT fingerprint FROM host_status WHERE host_id = $1', [host.id]),
    );
    expect(change.certificateFingerprint).toBe(rows[0]!.fingerprint);
    // One renewal per certificate and host at a time.
    await expect(draft(alertId)).rejects.toMatchObject({
      data: { code: 'CONFLICT' },
      message: expect.stringMatching(/already open: "Renew the certificate of/),
    });
  });

  it('avoids a freeze window and applies the approved renewal template', async () => {
    const template = await world.client('approver').changeTemplates.create.mutate({
      workspace: WS,
      name: 'Certificate renewal',
      description: 'Standard renewal from the internal CA.',
      implementationPlan: 'issue, deploy, reload',
      rollbackPlan: 'redeploy the previous certificate',
      renewal: true,
    });
    await expect(
      world
        .client('approver')
        .changeTemplates.create.mutate({ workspace: WS, name: 'Another', renewal: true }),
    ).rejects.toMatchObject({
      data: { fieldErrors: { renewal: expect.stringMatching(/Certificate renewal/) } },
    });
    const { alertId: unapprovedAlert } = await expiringHost(12);
    // Proposed only: the draft is a normal change that says why.
    const normal = await draft(unapprovedAlert);
    expect(normal).toMatchObject({ type: 'normal', templateId: null });
    expect(normal.description).toMatch(/"Certificate renewal" is not approved yet/);

    await alice.client.changeTemplates.approve.mutate({ workspace: WS, id: template.id });
    const freeze = await world.client('approver').freezeWindows.create.mutate({
      workspace: WS,
      name: 'Release week',
      startsAt: new Date(Date.now() + 40 * HOUR),
      endsAt: new Date(Date.now() + 80 * HOUR),
    });
    const { notAfter, alertId } = await expiringHost(7);
    const change = await draft(alertId);
    expect(change).toMatchObject({
      type: 'standard',
      state: 'approved',
      templateId: template.id,
      implementationPlan: 'issue, deploy, reload',
      collisions: [],
    });
    expect(change.description).toMatch(/^Standard renewal from the internal CA\.\n\n/);
    expect(change.description).toMatch(/moved after the freeze window "Release week"/);
    const start = change.plannedStart!.getTime();
    expect(start).toBeGreaterThanOrEqual(freeze.endsAt.getTime());
    expect(start - freeze.endsAt.getTime()).toBeLessThan(HOUR);
    expect(change.plannedEnd!.getTime()).toBeLessThan(notAfter.getTime());
    // Scheduling it is not refused: the window is outside the freeze.
    const scheduled = await world
      .client('member')
      .changes.transition.mutate({ workspace: WS, id: change.id, to: 'scheduled' });
    expect(scheduled.state).toBe('scheduled');
    expect((await auditRows(world, change.id)).map((r) => r.action)).toEqual([
      'change.created',
      'change.approved',
      'change.transitioned',
    ]);
  });

  it('refuses an alert that is unknown, not about an expiring certificate, or resolved', async () => {
    await expect(draft('7c1a3a8e-4a52-4e1c-9f4b-3a0c2f1d9e11')).rejects.toMatchObject({
      data: { code: 'BAD_REQUEST', fieldErrors: { alertId: expect.stringMatching(/no such alert/) } },
    });
    const { host, alertId } = await expiringHost(9);
    const other = await inAcme(world, async (q) => {
      const rule = await q<{ id: string }>(
        `INSERT INTO alert_rules (workspace_id, name, predicate, scope, severity)
         VALUES ($1, 'grade below B', '{"kind":"grade_below","grade":"B"}', '{"kind":"all"}', 'warning') RETURNING id`,
        [world.workspace.id],
      );
      const alert = await q<{ id: string }>(
        `INSERT INTO alerts (workspace_id, rule_id, host_id, severity, summary, opened_at)
         VALUES ($1, $2, $3, 'warning', 'grade C', now()) RETURNING id`,
        [world.workspace.id, rule.rows[0]!.id, host.id],
      );
      await q("UPDATE alerts SET state = 'resolved', resolved_at = now() WHERE id = $1", [alertId]);
      return alert.rows[0]!.id;
    });
    await expect(draft(other)).rejects.toMatchObject({
      data: {
        code: 'BAD_REQUEST',
        fieldErrors: { alertId: expect.stringMatching(/not about an expiring certificate/) },
      },
    });
    await expect(draft(alertId)).rejects.toMatchObject({ data: { code: 'CONFLICT' } });
  });
});

describe('the renewal loop', () => {
  it('completes an approved renewal when a later snapshot shows a new certificate, with that snapshot as evidence', async () => {
    const { host, hostname, alertId } = await expiringHost(6);
    const change = await draft(alertId);
    expect(change.state).toBe('approved'); // the renewal template is approved by now
    // The same certificate again changes nothing.
    await agent.push([
      makeSnapshot({
        hostId: host.id,
        hostname,
        notAfter: new Date(Date.now() + 6 * DAY),
        certSeed: `old-${hostname}`,
      }),
    ]);
    expect((await world.client('member').changes.get.query({ workspace: WS, id: change.id })).state).toBe(
      'approved',
    );

    const renewed = makeSnapshot({
      hostId: host.id,
      hostname,
      notAfter: new Date(Date.now() + 90 * DAY),
      certSeed: `new-${hostname}`,
    });
    await agent.push([renewed]);
    const done = await world.client('member').changes.get.query({ workspace: WS, id: change.id });
    expect(done).toMatchObject({
      state: 'completed',
      evidence: {
        kind: 'renewed_certificate',
        renewedFingerprint: change.certificateFingerprint,
        snapshots: [
          {
            hostId: host.id,
            snapshotId: renewed.id,
            fingerprint: renewed.tls!.chain[0]!.fingerprint_sha256,
          },
        ],
      },
    });
    expect(done.closedAt).not.toBeNull();
    const last = (await auditRows(world, change.id)).at(-1)!;
    expect(last).toMatchObject({
      action: 'change.transitioned',
      actor: `agent:${agent.id}`,
      summary: { before: { state: 'approved' }, after: { state: 'completed', automatic: true } },
    });
    expect(await eventsAbout(world, 'change.transitioned', 'changeId', change.id)).toEqual([
      expect.objectContaining({ from: 'approved', to: 'completed', automatic: true }),
    ]);
  });

  it('leaves a renewal on a certificate that is not newer, and one that was not approved', async () => {
    const member = world.client('member');
    const a = await expiringHost(20);
    const approved = await draft(a.alertId);
    // An older certificate is a rollback, not a renewal.
    await agent.push([
      makeSnapshot({
        hostId: a.host.id,
        hostname: a.hostname,
        notAfter: new Date(Date.now() + 2 * DAY),
        certSeed: `older-${a.hostname}`,
      }),
    ]);
    expect((await member.changes.get.query({ workspace: WS, id: approved.id })).state).toBe('approved');

    // A draft is never completed behind its approvers' backs.
    const b = await expiringHost(20);
    const { rows } = await inAcme(world, (q) =>
      q<{ fingerprint: string }>('SELECT fingerprint FROM host_status WHERE host_id = $1', [b.host.id]),
    );
    const draftOnly = await member.changes.create.mutate({
      workspace: WS,
      title: 'renew by hand, not approved yet',
      affectedHostIds: [b.host.id],
      certificateFingerprint: rows[0]!.fingerprint,
    });
    await agent.push([
      makeSnapshot({
        hostId: b.host.id,
        hostname: b.hostname,
        notAfter: new Date(Date.now() + 90 * DAY),
        certSeed: `new-${b.hostname}`,
      }),
    ]);
    expect((await member.changes.get.query({ workspace: WS, id: draftOnly.id })).state).toBe('draft');
  });
});
