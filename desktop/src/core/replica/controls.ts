import type Database from 'better-sqlite3';
import type {
  ControlRow,
  ControlsOverview,
  ControlTestView,
  FrameworkCoverageView,
} from '../../bridge/compliance.ts';
import { names } from './people.ts';

/**
 * The Controls page from the replica: coverage per framework and top-level requirement (a CSF
 * function), controls needing evidence first with their evidence, and the latest result of each
 * control test with the subjects it looked at. Coverage is computed here the way the server's
 * frameworks.coverage does (server/src/compliance/frameworks/coverage.ts): a leaf is covered when
 * an implemented control mapped to it has evidence effective and not expired at `now`.
 */

/** Coverage of every replicated framework at `now`. */
export function frameworkCoverage(db: Database.Database, now: Date): FrameworkCoverageView[] {
  const at = now.toISOString();
  const frameworks = db
    .prepare<[], { id: string; key: string; name: string; version: string }>(
      'SELECT id, key, name, version FROM frameworks ORDER BY name, key',
    )
    .all();
  const groups = db.prepare<
    { framework: string; at: string },
    { ref: string; title: string; total: number; covered: number; implemented: number }
  >(
    `WITH mapped AS (
       SELECT cr.requirement_id, c.id AS control_id FROM control_requirements cr
       JOIN controls c ON c.id = cr.control_id WHERE c.status = 'implemented'
     ), leaf AS (
       SELECT r.top_ref,
         EXISTS (SELECT 1 FROM mapped m WHERE m.requirement_id = r.id) AS implemented,
         EXISTS (SELECT 1 FROM mapped m JOIN evidence e ON e.control_id = m.control_id
                 WHERE m.requirement_id = r.id AND julianday(e.effective_at) <= julianday(@at)
                   AND (e.expires_at IS NULL OR julianday(e.expires_at) > julianday(@at))) AS covered
       FROM framework_requirements r WHERE r.framework_id = @framework AND r.leaf = 1
     )
     SELECT top.ref, top.title, count(leaf.top_ref) AS total,
       coalesce(sum(leaf.covered), 0) AS covered, coalesce(sum(leaf.implemented), 0) AS implemented
     FROM framework_requirements top LEFT JOIN leaf ON leaf.top_ref = top.ref
     WHERE top.framework_id = @framework AND top.parent_ref IS NULL
     GROUP BY top.ref, top.title, top.position ORDER BY top.position`,
  );
  return frameworks.map((f) => {
    const rows = groups.all({ framework: f.id, at });
    return {
      key: f.key,
      name: f.name,
      version: f.version,
      total: rows.reduce((n, r) => n + r.total, 0),
      covered: rows.reduce((n, r) => n + r.covered, 0),
      groups: rows,
    };
  });
}

/** Controls, those needing evidence first, each with its evidence (links and files' titles). */
export function controlRows(db: Database.Database): ControlRow[] {
  const name = names(db);
  const evidence = db.prepare<
    [string],
    { id: string; title: string; url: string | null; expires_at: string | null }
  >('SELECT id, title, url, expires_at FROM evidence WHERE control_id = ? ORDER BY julianday(added_at) DESC');
  return db
    .prepare<
      [],
      { id: string; title: string; status: string; needs_evidence: number | null; owner_id: string | null }
    >(
      `SELECT id, title, status, needs_evidence, owner_id FROM controls
       ORDER BY coalesce(needs_evidence, 0) DESC, title, id LIMIT 2000`,
    )
    .all()
    .map((c) => ({
      id: c.id,
      title: c.title,
      status: c.status,
      needsEvidence: c.needs_evidence === 1,
      owner: c.owner_id ? name(c.owner_id) : undefined,
      evidence: evidence.all(c.id).map((e) => ({
        id: e.id,
        title: e.title,
        url: e.url ?? undefined,
        expiresAt: e.expires_at ?? undefined,
      })),
    }));
}

/** The latest result of each control test, failing ones first. */
export function latestTestResults(db: Database.Database): ControlTestView[] {
  const rows = db
    .prepare<
      [],
      { test_id: string; status: string; summary: string; evaluated_at: string; subjects: string | null }
    >(
      `SELECT test_id, status, summary, evaluated_at, subjects FROM control_test_results r
       WHERE id = (SELECT id FROM control_test_results x WHERE x.test_id = r.test_id
                   ORDER BY julianday(x.evaluated_at) DESC, x.id DESC LIMIT 1)
       ORDER BY CASE status WHEN 'fail' THEN 0 WHEN 'pass' THEN 1 ELSE 2 END, test_id`,
    )
    .all();
  return rows.map((r) => ({
    testId: r.test_id,
    status: r.status,
    summary: r.summary,
    evaluatedAt: r.evaluated_at,
    subjects: parseSubjects(r.subjects),
  }));
}

function parseSubjects(json: string | null): ControlTestView['subjects'] {
  try {
    const list: unknown = JSON.parse(json ?? '[]');
    if (!Array.isArray(list)) return [];
    return list.flatMap((s: unknown) => {
      if (!s || typeof s !== 'object') return [];
      const o = s as Record<string, unknown>;
      return [
        {
          type: typeof o.type === 'string' ? o.type : '',
          id: typeof o.id === 'string' ? o.id : '',
          ok: o.ok === true,
          fields: o.fields && typeof o.fields === 'object' ? (o.fields as Record<string, unknown>) : {},
        },
      ];
    });
  } catch {
    // A row the server wrote is JSON; a damaged one shows no subjects rather than failing the page.
    return [];
  }
}

/** Everything the Controls page shows. */
export function controlsOverview(db: Database.Database, now: Date): ControlsOverview {
  return { coverage: frameworkCoverage(db, now), controls: controlRows(db), tests: latestTestResults(db) };
}
