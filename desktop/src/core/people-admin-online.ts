import { workspaceRoleSchema } from '@vigilo/shared/roles';
import type { z } from 'zod';
import type { OnlineResult } from '../bridge/changes.ts';
import type {
  ApiTokenView,
  apiTokenDraftSchema,
  HostChoice,
  InvitationSetup,
  MaintenanceView,
  maintenanceDraftSchema,
  MemberView,
  memberDraftSchema,
  SnoozeView,
  Source,
} from '../bridge/people-admin.ts';
import { iso, online } from './change-admin-online.ts';
import type { OnlineDeps } from './hosts-online.ts';
import { actorName, names } from './replica/people.ts';

/**
 * Settings › Members, API tokens and Maintenance: online calls (only the server knows
 * invitations, tokens and windows, and decides who may grant what). Members and snoozes are
 * replicated, so offline their lists come from the replica, marked read-only with the reason;
 * tokens and windows are not, so offline those lists are refused in words.
 */

/** '' for none, else the instant. */
const optionalInstant = (v: string) => (v ? new Date(v) : undefined);

/** Members and open invitations; offline, the replica's members (no invitations: not replicated). */
export async function listMembers(
  deps: OnlineDeps,
): Promise<OnlineResult<{ members: MemberView[] } & Source>> {
  const answer = await online('reading members', async () => {
    const rows = await deps.api.members.list.query({ workspace: deps.workspace });
    return {
      members: rows.map((m) => ({
        status: m.status,
        userId: m.userId,
        email: m.email,
        name: m.name,
        role: m.role,
        expiresAt: iso(m.expiresAt),
      })),
      offline: undefined,
    };
  });
  if (answer.ok || answer.reason !== 'offline') return answer;
  const rows = deps.db
    .prepare<
      [],
      { user_id: string; role: string; expires_at: string | null; name: string | null; email: string | null }
    >(
      `SELECT m.user_id, m.role, m.expires_at, p.name, p.email FROM members m
       LEFT JOIN people p ON p.user_id = m.user_id ORDER BY COALESCE(p.email, p.name, m.user_id)`,
    )
    .all();
  return {
    ok: true,
    offline: `${answer.message}. These are the members this computer last synced; invitations are on the server only`,
    members: rows.flatMap((r) => {
      const role = workspaceRoleSchema.safeParse(r.role);
      return role.success
        ? [
            {
              status: 'member' as const,
              userId: r.user_id,
              email: r.email,
              name: r.name,
              role: role.data,
              expiresAt: iso(r.expires_at),
            },
          ]
        : [];
    }),
  };
}

/** Invites an email; with the built-in provider the answer carries the one-time setup code. */
export function inviteMember(
  deps: OnlineDeps,
  draft: z.output<typeof memberDraftSchema>,
): Promise<OnlineResult<{ email: string; setup: InvitationSetup | null }>> {
  return online('inviting a member', async () => {
    const invited = await deps.api.members.add.mutate({
      workspace: deps.workspace,
      email: draft.email.trim(),
      role: draft.role,
      expiresAt: optionalInstant(draft.expiresAt),
    });
    return {
      email: invited.email,
      setup:
        'setup' in invited
          ? { code: invited.setup.code, url: invited.setup.url, expiresAt: iso(invited.setup.expiresAt) }
          : null,
    };
  });
}

export function setMemberRole(
  deps: OnlineDeps,
  draft: z.output<typeof memberDraftSchema>,
): Promise<OnlineResult> {
  return online('changing a role', async () => {
    await deps.api.members.setRole.mutate({
      workspace: deps.workspace,
      email: draft.email,
      role: draft.role,
      expiresAt: optionalInstant(draft.expiresAt),
    });
    return {};
  });
}

export function removeMember(
  deps: OnlineDeps,
  email: string,
): Promise<OnlineResult<{ status: 'removed' | 'withdrawn' }>> {
  return online('removing a member', async () => {
    const { status } = await deps.api.members.remove.mutate({ workspace: deps.workspace, email });
    return { status };
  });
}

export function listApiTokens(deps: OnlineDeps): Promise<OnlineResult<{ tokens: ApiTokenView[] }>> {
  return online('reading API tokens', async () => {
    const rows = await deps.api.apiTokens.list.query({ workspace: deps.workspace });
    return {
      tokens: rows.map((t) => ({
        id: t.id,
        name: t.name,
        prefix: t.prefix,
        role: t.role,
        createdAt: iso(t.createdAt),
        expiresAt: iso(t.expiresAt),
        lastUsedAt: iso(t.lastUsedAt),
        revokedAt: iso(t.revokedAt),
      })),
    };
  });
}

/**
 * Creates a token: the secret is in this answer only. The page asks for an expiry; the server
 * checks it is in the future and that the role is no higher than the creator's.
 */
export function createApiToken(
  deps: OnlineDeps,
  draft: z.output<typeof apiTokenDraftSchema>,
): Promise<OnlineResult<{ id: string; token: string; prefix: string }>> {
  if (!draft.expiresAt)
    return Promise.resolve({
      ok: false,
      reason: 'refused',
      message: 'expiresAt: give the token an expiry',
      fieldErrors: { expiresAt: 'give the token an expiry' },
    });
  return online('creating an API token', async () => {
    const created = await deps.api.apiTokens.create.mutate({
      workspace: deps.workspace,
      name: draft.name,
      role: draft.role,
      expiresAt: new Date(draft.expiresAt),
    });
    return { id: created.id, token: created.token, prefix: created.prefix };
  });
}

export function revokeApiToken(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('revoking an API token', async () => {
    await deps.api.apiTokens.revoke.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/** The replica's hosts, for the window form's picker and to name a window's hosts. */
export function hostChoices(deps: Pick<OnlineDeps, 'db'>): HostChoice[] {
  return deps.db
    .prepare<[], { id: string; hostname: string; port: number }>(
      'SELECT id, hostname, port FROM hosts ORDER BY hostname, port',
    )
    .all()
    .map((h) => ({ id: h.id, label: `${h.hostname}:${h.port}` }));
}

export async function listMaintenance(
  deps: OnlineDeps,
): Promise<OnlineResult<{ windows: MaintenanceView[] }> & { hosts: HostChoice[] }> {
  const answer = await online('reading maintenance windows', async () => {
    const rows = await deps.api.maintenance.list.query({ workspace: deps.workspace });
    return {
      windows: rows.map((w) => ({
        id: w.id,
        name: w.name,
        hostIds: w.hostIds,
        tags: w.tags,
        startsAt: iso(w.startsAt),
        endsAt: iso(w.endsAt),
        repeatDays: w.repeatDays,
        inForce: w.inForce,
        changeId: w.changeId,
      })),
    };
  });
  return { ...answer, hosts: hostChoices(deps) };
}

/** Schedules a window, or replaces every field of the one named by `id`. */
export function saveMaintenance(
  deps: OnlineDeps,
  draft: z.output<typeof maintenanceDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  const { id, repeatDays, ...w } = draft;
  const window = {
    workspace: deps.workspace,
    name: w.name,
    hostIds: w.hostIds,
    tags: w.tags.map((t) => t.trim()).filter(Boolean),
    // An empty date is sent as what it is, so the server names the field.
    startsAt: w.startsAt,
    endsAt: w.endsAt,
  };
  return online('saving a maintenance window', async () => {
    const saved = id
      ? await deps.api.maintenance.update.mutate({ ...window, id, repeatDays })
      : await deps.api.alerts.scheduleMaintenance.mutate({
          ...window,
          ...(repeatDays !== null ? { repeatDays } : {}),
        });
    return { id: saved.id };
  });
}

export function cancelMaintenance(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('cancelling a maintenance window', async () => {
    await deps.api.maintenance.cancel.mutate({ workspace: deps.workspace, id });
    return {};
  });
}

/** What a snooze covers, in words. */
function subject(hostname: string | null, port: number | null, ruleName: string | null): string {
  const host = hostname ? `${hostname}:${port ?? ''}` : 'every host';
  return ruleName ? `${host} · rule ${ruleName}` : `${host} · every rule`;
}

/** Snoozes in force; offline, those in the replica (snoozes replicate), read-only. */
export async function listSnoozes(
  deps: OnlineDeps,
): Promise<OnlineResult<{ snoozes: SnoozeView[] } & Source>> {
  const answer = await online('reading snoozes', async () => {
    const rows = await deps.api.snoozes.list.query({ workspace: deps.workspace });
    const name = names(deps.db);
    return {
      snoozes: rows.map((s) => ({
        id: s.id,
        subject: subject(s.hostname, s.port, s.ruleName),
        until: iso(s.until),
        reason: s.reason ?? '',
        createdBy: actorName(s.createdBy, name),
      })),
      offline: undefined,
    };
  });
  if (answer.ok || answer.reason !== 'offline') return answer;
  const rows = deps.db
    .prepare<
      [string],
      {
        id: string;
        until: string;
        reason: string | null;
        created_by: string;
        hostname: string | null;
        port: number | null;
        rule_name: string | null;
      }
    >(
      `SELECT s.id, s.until, s.reason, s.created_by, h.hostname, h.port,
              (SELECT json_extract(r.data, '$.name') FROM records r WHERE r.tbl = 'alert_rules' AND r.id = s.rule_id) AS rule_name
       FROM snoozes s LEFT JOIN hosts h ON h.id = s.host_id
       WHERE julianday(s.until) > julianday(?) ORDER BY julianday(s.until)`,
    )
    .all(deps.clock().toISOString());
  const name = names(deps.db);
  return {
    ok: true,
    offline: `${answer.message}. These are the snoozes this computer last synced`,
    snoozes: rows.map((s) => ({
      id: s.id,
      subject: subject(s.hostname, s.port, s.rule_name),
      until: iso(s.until),
      reason: s.reason ?? '',
      createdBy: actorName(s.created_by, name),
    })),
  };
}

export function liftSnooze(deps: OnlineDeps, id: string): Promise<OnlineResult> {
  return online('lifting a snooze', async () => {
    await deps.api.snoozes.lift.mutate({ workspace: deps.workspace, id });
    return {};
  });
}
