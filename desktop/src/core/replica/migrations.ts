import type Database from 'better-sqlite3';
import { COMPLIANCE_STEP } from './compliance-migration.ts';

/**
 * The replica's schema, one numbered step per entry, applied in order and recorded in
 * `PRAGMA user_version`. Landed steps are never edited: a change is a new step.
 *
 * Server rows are stored generically in `records` as JSON (the server decides their columns);
 * per-entity views give them typed names, and expression indexes serve the screens' queries.
 * Incidents, changes and approvals (step 5) are views and indexes over the same table.
 */
export const REPLICA_MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  {
    version: 1,
    name: 'replica',
    sql: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

      -- The displayed state: server truth, with pending local actions applied on top.
      CREATE TABLE records (
        tbl TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT NOT NULL CHECK (json_valid(data)),
        PRIMARY KEY (tbl, id)
      ) WITHOUT ROWID;
      CREATE INDEX records_alert_state ON records (tbl, json_extract(data, '$.state'))
        WHERE tbl = 'alerts';

      -- Server truth of rows that pending local actions cover (NULL data: absent on the server).
      -- A record is always shadow + its pending actions, so a refusal can restore it exactly.
      CREATE TABLE shadows (
        tbl TEXT NOT NULL,
        id TEXT NOT NULL,
        data TEXT CHECK (data IS NULL OR json_valid(data)),
        PRIMARY KEY (tbl, id)
      ) WITHOUT ROWID;

      -- The outbox: user actions in order. 'pending' until the server answers; 'applied' until
      -- the next pull brings the server's own row (then the entry goes).
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        args TEXT NOT NULL CHECK (json_valid(args)),
        tbl TEXT NOT NULL,
        row_id TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied')),
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX outbox_row ON outbox (tbl, row_id, seq);

      -- Refused actions, kept until the user dismisses or redoes them.
      CREATE TABLE conflicts (
        client_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        args TEXT NOT NULL,
        reason TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      -- The audit log, copied by its dense per-workspace seq.
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        workspace_id TEXT NOT NULL,
        occurred_at TEXT NOT NULL,
        actor_type TEXT NOT NULL,
        actor_id TEXT NOT NULL,
        action TEXT NOT NULL,
        target_type TEXT NOT NULL,
        target_id TEXT NOT NULL,
        summary TEXT NOT NULL,
        request_id TEXT,
        prev_hash TEXT,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_action ON audit_events (action, seq);
      CREATE INDEX audit_actor ON audit_events (actor_id, seq);
      CREATE INDEX audit_target ON audit_events (target_type, target_id, seq);
      CREATE INDEX audit_time ON audit_events (occurred_at, seq);
      -- Free-text search over the log; external content, kept in step by the inserts below.
      CREATE VIRTUAL TABLE audit_fts USING fts5(
        action, actor_id, target_type, target_id, summary,
        content = 'audit_events', content_rowid = 'seq', tokenize = 'unicode61 tokenchars ''._-''',
        prefix = '2 3 4'
      );
      CREATE TRIGGER audit_events_fts AFTER INSERT ON audit_events BEGIN
        INSERT INTO audit_fts (rowid, action, actor_id, target_type, target_id, summary)
          VALUES (new.seq, new.action, new.actor_id, new.target_type, new.target_id, new.summary);
      END;
    `,
  },
  {
    version: 2,
    name: 'entity_views',
    sql: `
      CREATE VIEW alerts AS SELECT id,
        json_extract(data, '$.severity') AS severity, json_extract(data, '$.summary') AS summary,
        json_extract(data, '$.state') AS state, json_extract(data, '$.opened_at') AS opened_at,
        json_extract(data, '$.host_id') AS host_id, json_extract(data, '$.rule_id') AS rule_id,
        json_extract(data, '$.acknowledged_at') AS acknowledged_at,
        json_extract(data, '$.acknowledged_by') AS acknowledged_by,
        json_extract(data, '$.ack_note') AS ack_note, json_extract(data, '$.suppressed') AS suppressed
        FROM records WHERE tbl = 'alerts';
      CREATE VIEW hosts AS SELECT id,
        json_extract(data, '$.hostname') AS hostname, json_extract(data, '$.port') AS port,
        json_extract(data, '$.tags') AS tags, json_extract(data, '$.active') AS active
        FROM records WHERE tbl = 'hosts';
      CREATE VIEW members AS SELECT id AS user_id,
        json_extract(data, '$.role') AS role, json_extract(data, '$.expires_at') AS expires_at
        FROM records WHERE tbl = 'memberships';
    `,
  },
  {
    version: 3,
    name: 'inventory',
    sql: `
      -- Certificates and hosts (desktop/src/core/replica/inventory.ts). host_status and
      -- certificates carry what the server replicates of them (0005_sync.sql drops the scan facts:
      -- chain and posture come from the hosts.history answer cached below).
      CREATE VIEW host_status AS SELECT id AS host_id,
        json_extract(data, '$.reachable') AS reachable, json_extract(data, '$.grade') AS grade,
        json_extract(data, '$.not_after') AS not_after, json_extract(data, '$.fingerprint') AS fingerprint
        FROM records WHERE tbl = 'host_status';
      CREATE VIEW certificates AS SELECT id AS fingerprint,
        json_extract(data, '$.subject') AS subject, json_extract(data, '$.issuer') AS issuer,
        json_extract(data, '$.issuer_cn') AS issuer_cn, json_extract(data, '$.sans') AS sans,
        json_extract(data, '$.serial') AS serial, json_extract(data, '$.not_before') AS not_before,
        json_extract(data, '$.not_after') AS not_after, json_extract(data, '$.key_algorithm') AS key_algorithm,
        json_extract(data, '$.key_bits') AS key_bits,
        json_extract(data, '$.signature_algorithm') AS signature_algorithm
        FROM records WHERE tbl = 'certificates';
      CREATE VIEW snoozes AS SELECT id,
        json_extract(data, '$.host_id') AS host_id, json_extract(data, '$.rule_id') AS rule_id,
        json_extract(data, '$.until') AS until, json_extract(data, '$.reason') AS reason,
        json_extract(data, '$.created_by') AS created_by
        FROM records WHERE tbl = 'snoozes';
      -- The host list counts each host's open alerts and finds its snoozes: covering indexes by
      -- host, so a list of thousands never parses every alert's JSON.
      CREATE INDEX records_snooze_host ON records (
        tbl, json_extract(data, '$.host_id'), json_extract(data, '$.rule_id'), json_extract(data, '$.until')
      ) WHERE tbl = 'snoozes';
      CREATE INDEX records_alert_host ON records (tbl, json_extract(data, '$.host_id'), json_extract(data, '$.state'))
        WHERE tbl = 'alerts';

      -- The last hosts.history answer per host (snapshots are not replicated): the detail shows
      -- it offline, with the time it was fetched.
      CREATE TABLE host_history (
        host_id TEXT PRIMARY KEY,
        days INTEGER NOT NULL,
        fetched_at TEXT NOT NULL,
        data TEXT NOT NULL CHECK (json_valid(data))
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'comments',
    sql: `
      -- Comments on alerts' timelines (incidents and changes add target types later).
      CREATE VIEW comments AS SELECT id,
        json_extract(data, '$.target_type') AS target_type, json_extract(data, '$.target_id') AS target_id,
        json_extract(data, '$.body') AS body, json_extract(data, '$.author') AS author,
        json_extract(data, '$.created_at') AS created_at
        FROM records WHERE tbl = 'comments';
      CREATE INDEX records_comment_target ON records (tbl, json_extract(data, '$.target_id'))
        WHERE tbl = 'comments';
    `,
  },
  {
    version: 5,
    name: 'change_management',
    sql: `
      -- Changes and their approvals, incidents with their timelines, tasks and projects (server
      -- migrations 0009 and 0010). Rows stay JSON in records; these views name their columns and
      -- the indexes below serve the Approvals, Changes and Incidents pages.
      CREATE VIEW changes AS SELECT id,
        json_extract(data, '$.type') AS type, json_extract(data, '$.state') AS state,
        json_extract(data, '$.title') AS title, json_extract(data, '$.risk_level') AS risk_level,
        json_extract(data, '$.risk_score') AS risk_score, json_extract(data, '$.requester_id') AS requester_id,
        json_extract(data, '$.assignee_id') AS assignee_id, json_extract(data, '$.planned_start') AS planned_start,
        json_extract(data, '$.planned_end') AS planned_end, json_extract(data, '$.revision') AS revision,
        json_extract(data, '$.created_at') AS created_at, json_extract(data, '$.updated_at') AS updated_at
        FROM records WHERE tbl = 'changes';
      CREATE VIEW approval_requests AS SELECT id,
        json_extract(data, '$.change_id') AS change_id, json_extract(data, '$.kind') AS kind,
        json_extract(data, '$.position') AS position, json_extract(data, '$.step_name') AS step_name,
        json_extract(data, '$.approver_ids') AS approver_ids, json_extract(data, '$.quorum') AS quorum,
        json_extract(data, '$.revision') AS revision, json_extract(data, '$.state') AS state,
        json_extract(data, '$.closed_reason') AS closed_reason, json_extract(data, '$.opened_at') AS opened_at,
        json_extract(data, '$.decided_at') AS decided_at, json_extract(data, '$.created_at') AS created_at,
        -- A decision of mine the outbox has not delivered yet (its local effect).
        json_extract(data, '$.my_decision') AS my_decision
        FROM records WHERE tbl = 'approval_requests';
      CREATE VIEW approval_decisions AS SELECT id,
        json_extract(data, '$.request_id') AS request_id, json_extract(data, '$.change_id') AS change_id,
        json_extract(data, '$.decided_by') AS decided_by, json_extract(data, '$.on_behalf_of') AS on_behalf_of,
        json_extract(data, '$.decision') AS decision, json_extract(data, '$.comment') AS comment,
        json_extract(data, '$.revision') AS revision, json_extract(data, '$.decided_at') AS decided_at
        FROM records WHERE tbl = 'approval_decisions';
      CREATE VIEW approval_policies AS SELECT id,
        json_extract(data, '$.name') AS name, json_extract(data, '$.priority') AS priority,
        json_extract(data, '$.steps') AS steps, json_extract(data, '$.enabled') AS enabled
        FROM records WHERE tbl = 'approval_policies';
      CREATE VIEW change_templates AS SELECT id,
        json_extract(data, '$.name') AS name, json_extract(data, '$.state') AS state
        FROM records WHERE tbl = 'change_templates';
      CREATE VIEW delegations AS SELECT id,
        json_extract(data, '$.approver_id') AS approver_id, json_extract(data, '$.delegate_id') AS delegate_id,
        json_extract(data, '$.starts_at') AS starts_at, json_extract(data, '$.ends_at') AS ends_at
        FROM records WHERE tbl = 'delegations';
      CREATE VIEW incidents AS SELECT id,
        json_extract(data, '$.title') AS title, json_extract(data, '$.summary') AS summary,
        json_extract(data, '$.severity') AS severity, json_extract(data, '$.state') AS state,
        json_extract(data, '$.commander_id') AS commander_id, json_extract(data, '$.opened_by') AS opened_by,
        json_extract(data, '$.opened_at') AS opened_at, json_extract(data, '$.resolved_at') AS resolved_at,
        json_extract(data, '$.closed_at') AS closed_at
        FROM records WHERE tbl = 'incidents';
      CREATE VIEW incident_timeline AS SELECT id,
        json_extract(data, '$.incident_id') AS incident_id, json_extract(data, '$.kind') AS kind,
        json_extract(data, '$.body') AS body, json_extract(data, '$.detail') AS detail,
        json_extract(data, '$.actor') AS actor, json_extract(data, '$.at') AS at, json_extract(data, '$.seq') AS seq
        FROM records WHERE tbl = 'incident_timeline';
      CREATE VIEW incident_links AS SELECT id,
        json_extract(data, '$.incident_id') AS incident_id, json_extract(data, '$.target_type') AS target_type,
        json_extract(data, '$.target_id') AS target_id
        FROM records WHERE tbl = 'incident_links';
      CREATE VIEW tasks AS SELECT id,
        json_extract(data, '$.title') AS title, json_extract(data, '$.status') AS status,
        json_extract(data, '$.assignee_id') AS assignee_id, json_extract(data, '$.due_at') AS due_at,
        json_extract(data, '$.incident_id') AS incident_id, json_extract(data, '$.project_id') AS project_id,
        json_extract(data, '$.change_id') AS change_id
        FROM records WHERE tbl = 'tasks';
      CREATE VIEW projects AS SELECT id,
        json_extract(data, '$.name') AS name, json_extract(data, '$.owner_id') AS owner_id
        FROM records WHERE tbl = 'projects';

      -- The lists, newest first; a change's approval steps and decisions; the open requests of
      -- the approval queue; an incident's timeline and links, and the incidents of an alert.
      CREATE INDEX records_change_created ON records (tbl, json_extract(data, '$.created_at'))
        WHERE tbl = 'changes';
      CREATE INDEX records_request_change ON records (tbl, json_extract(data, '$.change_id'))
        WHERE tbl = 'approval_requests';
      CREATE INDEX records_request_state ON records (tbl, json_extract(data, '$.state'))
        WHERE tbl = 'approval_requests';
      CREATE INDEX records_decision_request ON records (tbl, json_extract(data, '$.request_id'))
        WHERE tbl = 'approval_decisions';
      CREATE INDEX records_decision_change ON records (tbl, json_extract(data, '$.change_id'))
        WHERE tbl = 'approval_decisions';
      CREATE INDEX records_delegation_delegate ON records (tbl, json_extract(data, '$.delegate_id'))
        WHERE tbl = 'delegations';
      CREATE INDEX records_incident_opened ON records (tbl, json_extract(data, '$.opened_at'))
        WHERE tbl = 'incidents';
      CREATE INDEX records_timeline_incident ON records (tbl, json_extract(data, '$.incident_id'))
        WHERE tbl = 'incident_timeline';
      CREATE INDEX records_link_incident ON records (tbl, json_extract(data, '$.incident_id'))
        WHERE tbl = 'incident_links';
      CREATE INDEX records_link_target ON records (tbl, json_extract(data, '$.target_id'))
        WHERE tbl = 'incident_links';
      CREATE INDEX records_task_incident ON records (tbl, json_extract(data, '$.incident_id'))
        WHERE tbl = 'tasks';
      CREATE INDEX records_task_change ON records (tbl, json_extract(data, '$.change_id'))
        WHERE tbl = 'tasks';

      -- Members' names (users are not replicated rows: members.list answers them), so the pages
      -- say "Alice" offline instead of an id. Replaced whole on each refresh.
      CREATE TABLE people (
        user_id TEXT PRIMARY KEY,
        name TEXT,
        email TEXT
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 6,
    name: 'change_collisions',
    sql: `
      -- The collisions the server finds on a change's plan (server migration 0011): warnings the
      -- change's detail lists with their words, found by the change they belong to.
      CREATE VIEW change_collisions AS SELECT id,
        json_extract(data, '$.change_id') AS change_id, json_extract(data, '$.kind') AS kind,
        json_extract(data, '$.reason') AS reason, json_extract(data, '$.other_change_id') AS other_change_id,
        json_extract(data, '$.host_id') AS host_id, json_extract(data, '$.detected_at') AS detected_at
        FROM records WHERE tbl = 'change_collisions';
      CREATE INDEX records_collision_change ON records (tbl, json_extract(data, '$.change_id'))
        WHERE tbl = 'change_collisions';
    `,
  },
  COMPLIANCE_STEP,
];

/** Brings a replica file up to the latest step, each step in its own transaction. */
export function migrateReplica(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  const latest = REPLICA_MIGRATIONS.at(-1)?.version ?? 0;
  if (from > latest) {
    throw new Error(
      `this replica was written by a newer Vigilo (schema ${from}, this build knows ${latest})`,
    );
  }
  for (const m of REPLICA_MIGRATIONS) {
    if (m.version <= from) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
  return { from, to: latest };
}
