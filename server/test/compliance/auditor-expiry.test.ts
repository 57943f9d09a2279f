import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * An auditor's time-boxed access ends on its date with nobody acting: the grant's expiry is read
 * on every call against the server's clock (authorize, directory), so moving the injected clock
 * past it is all it takes. Nothing is revoked, no job runs.
 */
const DAY = 86_400_000;
const start = new Date('2031-03-01T09:00:00.000Z');
let now = start;
let world: World;

beforeAll(async () => {
  // The world gives the auditor a grant ending one day after its clock's start.
  world = await createWorld({ clock: () => now });
});
afterAll(async () => {
  await world?.close();
});

describe('an auditor with a time-boxed grant', () => {
  it('reads the audit log, compliance and the bundle until the grant ends, and nothing from that instant', async () => {
    const auditor = world.client('auditor');
    const calls = {
      auditList: () => auditor.audit.list.query({ workspace: 'acme' }),
      bundle: () => auditor.audit.bundle.query({ workspace: 'acme' }),
      controlTests: () => auditor.controlTests.list.query({ workspace: 'acme' }),
      controlTestResults: () => auditor.controlTests.results.query({ workspace: 'acme' }),
    };
    const outcomes = async (): Promise<Record<string, string>> => {
      const pairs = await Promise.all(
        Object.entries(calls).map(async ([k, f]): Promise<[string, string]> => [k, await outcome(f)]),
      );
      return Object.fromEntries(pairs);
    };

    expect(await outcomes()).toEqual({
      auditList: 'OK',
      bundle: 'OK',
      controlTests: 'OK',
      controlTestResults: 'OK',
    });
    expect((await auditor.workspace.mine.query()).map((w) => w.slug)).toContain('acme');

    now = new Date(start.getTime() + DAY - 1);
    expect(await outcome(calls.auditList)).toBe('OK');

    // The grant's date: refused from this instant on, though its row is untouched.
    now = new Date(start.getTime() + DAY);
    expect(await outcomes()).toEqual({
      auditList: 'FORBIDDEN',
      bundle: 'FORBIDDEN',
      controlTests: 'FORBIDDEN',
      controlTestResults: 'FORBIDDEN',
    });
    expect((await auditor.workspace.mine.query()).map((w) => w.slug)).not.toContain('acme');
    const { rows } = await world.server.services.db.owner.query<{ role: string }>(
      "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'auditor@example.test'",
    );
    expect(rows).toEqual([{ role: 'auditor' }]);
  });
});
