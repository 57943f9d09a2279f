import { outboxKindSchema } from '@vigilo/shared/outbox';
import type Database from 'better-sqlite3';
import type { Conflict } from '../../bridge/contract.ts';
import type { Records } from '../replica/records.ts';

type ConflictRow = {
  client_id: string;
  kind: string;
  args: string;
  reason: string;
  message: string;
  created_at: string;
};

/** Actions the server refused, kept until the user dismisses or redoes them. */
export class Conflicts {
  readonly #db: Database.Database;
  readonly #records: Records;

  constructor(db: Database.Database, records: Records) {
    this.#db = db;
    this.#records = records;
  }

  /** Keeps a refusal (inside the caller's transaction: the outbox that settles the entry). */
  add(c: {
    clientId: string;
    kind: string;
    args: string;
    reason: string;
    message: string;
    at: string;
  }): void {
    this.#db
      .prepare(
        `INSERT INTO conflicts (client_id, kind, args, reason, message, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      )
      .run(c.clientId, c.kind, c.args, c.reason, c.message, c.at);
  }

  /** Every kept conflict, oldest first. */
  list(): Conflict[] {
    return this.#db
      .prepare<[], ConflictRow>('SELECT * FROM conflicts ORDER BY created_at, client_id')
      .all()
      .map((c) => ({
        clientId: c.client_id,
        kind: outboxKindSchema.parse(c.kind),
        args: JSON.parse(c.args) as unknown,
        reason: c.reason,
        message: c.message,
        createdAt: c.created_at,
        subject: this.#subject(JSON.parse(c.args) as Record<string, unknown>),
      }));
  }

  /** Removes a conflict; returns it so the caller can redo it as a new action. */
  take(clientId: string): Conflict | undefined {
    const found = this.list().find((c) => c.clientId === clientId);
    this.#db.prepare('DELETE FROM conflicts WHERE client_id = ?').run(clientId);
    return found;
  }

  /**
   * Names what a refused action was about, from the replica (a resolved alert is still there):
   * "the alert resolved" alone does not say which one; a decision names its change.
   */
  #subject(args: Record<string, unknown>): string | undefined {
    const hostname = (id: unknown) => {
      const host = typeof id === 'string' ? this.#records.row('hosts', id) : null;
      return typeof host?.hostname === 'string' ? host.hostname : undefined;
    };
    if (typeof args.alertId === 'string') {
      const alert = this.#records.row('alerts', args.alertId);
      if (!alert) return undefined;
      const host = hostname(alert.host_id);
      return [alert.summary, host].filter((x) => typeof x === 'string').join(' on ');
    }
    if (typeof args.requestId === 'string') {
      const request = this.#records.row('approval_requests', args.requestId);
      const change =
        typeof request?.change_id === 'string' ? this.#records.row('changes', request.change_id) : null;
      return typeof change?.title === 'string' ? `change “${change.title}”` : undefined;
    }
    if (typeof args.incidentId === 'string') {
      const incident = this.#records.row('incidents', args.incidentId);
      return typeof incident?.title === 'string' ? `incident “${incident.title}”` : undefined;
    }
    return hostname(args.hostId);
  }
}
