import type Database from 'better-sqlite3';
import type { Person } from '../../bridge/changes.ts';

/**
 * Members' names, kept beside the replicated rows: users are not replicated (only memberships,
 * by id), so the sync engine refreshes this list from members.list and the pages name people
 * with it offline. Someone no longer listed is "a former member", as the server says.
 */

export type PersonRow = { userId: string; name: string | null; email: string | null };

/** Replaces the list in one transaction (the server's answer is the whole list). */
export function replacePeople(db: Database.Database, people: PersonRow[]): void {
  const insert = db.prepare('INSERT INTO people (user_id, name, email) VALUES (?, ?, ?)');
  db.transaction(() => {
    db.prepare('DELETE FROM people').run();
    for (const p of people) insert.run(p.userId, p.name, p.email);
  })();
}

/** True when no names are known yet (a first sync, or a replica from before they were kept). */
export function peopleUnknown(db: Database.Database): boolean {
  return db.prepare('SELECT 1 FROM people LIMIT 1').get() === undefined;
}

/** A lookup from user id to a {@link Person}, read once per answer. */
export type Names = (id: string) => Person;

/** Reads every name once and answers lookups from memory (a page names few people, often). */
export function names(db: Database.Database): Names {
  const known = new Map(
    db
      .prepare<[], { user_id: string; name: string | null; email: string | null }>(
        'SELECT user_id, name, email FROM people',
      )
      .all()
      .map((p) => [p.user_id, p.name ?? p.email ?? p.user_id]),
  );
  return (id) => ({ id, name: known.get(id) ?? 'a former member' });
}

/**
 * An actor as the server writes it (`user:<id>`, `api_token:<id>`, `system:<what>`) in words:
 * a member's name, or what kind of actor it was.
 */
export function actorName(actor: string, name: Names): string {
  const [type, id] = actor.includes(':')
    ? [actor.slice(0, actor.indexOf(':')), actor.slice(actor.indexOf(':') + 1)]
    : ['user', actor];
  if (type === 'user' && id) return name(id).name;
  if (type === 'api_token') return 'an API token';
  return type === 'system' ? `Vigilo (${id})` : actor;
}
