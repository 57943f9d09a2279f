import type Database from 'better-sqlite3';
import type {
  RiskDetail,
  RiskFilter,
  RiskHeatmap,
  RiskListRow,
  RiskView,
  VendorDetail,
  VendorRow,
} from '../../bridge/compliance.ts';
import { type Names, names } from './people.ts';

/**
 * The Risks and Vendors pages from the replica (step 7's views): the register, its 5×5 heat map
 * by inherent or residual ratings, a risk with its links and live signals, vendors by tier with
 * their assessments and their hosts' grades. All of it opens offline.
 */

type RiskRow = {
  id: string;
  title: string;
  category: string;
  status: string;
  owner_id: string | null;
  likelihood: number;
  impact: number;
  residual_likelihood: number | null;
  residual_impact: number | null;
  needs_reassessment: number | null;
};

/** The ratings a risk sits at in `view` (residual falls back to inherent when not yet rated). */
const placed = (view: RiskView) =>
  view === 'residual'
    ? { l: 'COALESCE(residual_likelihood, likelihood)', i: 'COALESCE(residual_impact, impact)' }
    : { l: 'likelihood', i: 'impact' };

function toRow(r: RiskRow, name: Names): RiskListRow {
  const rl = r.residual_likelihood ?? undefined;
  const ri = r.residual_impact ?? undefined;
  return {
    id: r.id,
    title: r.title,
    category: r.category,
    status: r.status,
    owner: r.owner_id ? name(r.owner_id) : undefined,
    likelihood: r.likelihood,
    impact: r.impact,
    score: r.likelihood * r.impact,
    residualLikelihood: rl,
    residualImpact: ri,
    residualScore: rl !== undefined && ri !== undefined ? rl * ri : undefined,
    needsReassessment: r.needs_reassessment === 1,
  };
}

/** The register, highest score (in the chosen view) first; a heat-map cell narrows it. */
export function riskList(db: Database.Database, filter: RiskFilter): RiskListRow[] {
  const { l, i } = placed(filter.view ?? 'inherent');
  const where: string[] = [];
  const values: Record<string, number> = {};
  if (!filter.includeClosed) where.push(`status <> 'closed'`);
  if (filter.likelihood !== undefined) {
    where.push(`${l} = @likelihood`);
    values.likelihood = filter.likelihood;
  }
  if (filter.impact !== undefined) {
    where.push(`${i} = @impact`);
    values.impact = filter.impact;
  }
  const rows = db
    .prepare<[Record<string, number>], RiskRow>(
      `SELECT * FROM risks ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${l} * ${i} DESC, title, id LIMIT 2000`,
    )
    .all(values);
  const name = names(db);
  return rows.map((r) => toRow(r, name));
}

/** How many risks (closed ones left out) sit in each cell of the grid. */
export function riskHeatmap(db: Database.Database, view: RiskView): RiskHeatmap {
  const { l, i } = placed(view);
  const counts = Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]);
  const rows = db
    .prepare<[], { l: number; i: number; n: number }>(
      `SELECT ${l} AS l, ${i} AS i, count(*) AS n FROM risks WHERE status <> 'closed' GROUP BY 1, 2`,
    )
    .all();
  for (const r of rows) {
    const row = counts[r.l - 1];
    if (row && r.i >= 1 && r.i <= 5) row[r.i - 1] = r.n;
  }
  return { view, counts };
}

/** One risk with its hosts, vendors and live signals (newest first). */
export function riskDetail(db: Database.Database, riskId: string): RiskDetail | null {
  const r = db
    .prepare<[string], RiskRow & Record<string, unknown>>('SELECT * FROM risks WHERE id = ?')
    .get(riskId);
  if (!r) return null;
  const name = names(db);
  const hostName = db.prepare<[string], { hostname: string }>('SELECT hostname FROM hosts WHERE id = ?');
  const hostOf = (id: string) => hostName.get(id)?.hostname ?? id;
  const hosts = db
    .prepare<[string], { host_id: string }>('SELECT host_id FROM risk_hosts WHERE risk_id = ?')
    .all(riskId)
    .map((h) => ({ id: h.host_id, name: hostOf(h.host_id) }));
  const vendors = db
    .prepare<[string], { id: string; name: string | null }>(
      `SELECT rv.vendor_id AS id, v.name FROM risk_vendors rv LEFT JOIN vendors v ON v.id = rv.vendor_id
       WHERE rv.risk_id = ? ORDER BY v.name`,
    )
    .all(riskId)
    .map((v) => ({ id: v.id, name: v.name ?? v.id }));
  const signals = db
    .prepare<[string], { id: string; kind: string; summary: string; at: string; host_id: string }>(
      `SELECT id, kind, summary, at, host_id FROM risk_signals WHERE risk_id = ?
       ORDER BY julianday(at) DESC, id LIMIT 500`,
    )
    .all(riskId)
    .map((s) => ({ id: s.id, kind: s.kind, summary: s.summary, at: s.at, host: hostOf(s.host_id) }));
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    ...toRow(r, name),
    description: str(r.description) ?? '',
    treatment: str(r.treatment),
    treatmentPlan: str(r.treatment_plan) ?? '',
    reviewDate: str(r.review_date),
    signalThreshold: Number(r.signal_threshold ?? 0),
    signalPeriodDays: Number(r.signal_period_days ?? 0),
    hosts,
    vendors,
    signals,
  };
}

type Question = VendorDetail['assessments'][number]['questions'][number];

/** An assessment's questions as the server stored them ([{id, text, weight, type}]). */
function parseQuestions(json: string | null): Question[] {
  try {
    const list: unknown = JSON.parse(json ?? '[]');
    if (!Array.isArray(list)) return [];
    return list.flatMap((q: unknown) => {
      const o = (q && typeof q === 'object' ? q : {}) as Record<string, unknown>;
      return typeof o.id === 'string' && typeof o.text === 'string' && typeof o.type === 'string'
        ? [{ id: o.id, text: o.text, weight: Number(o.weight ?? 0), type: o.type }]
        : [];
    });
  } catch {
    // The server writes JSON; a damaged row shows no questions rather than failing the page.
    return [];
  }
}

const TIER_RANK = `CASE tier WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END`;

/** Vendors, most critical tier first, each with its latest completed assessment. */
export function vendorList(db: Database.Database): VendorRow[] {
  return db
    .prepare<
      [],
      {
        id: string;
        name: string;
        tier: string;
        renewal_date: string | null;
        score: number | null;
        outcome: string | null;
      }
    >(
      `SELECT v.id, v.name, v.tier, v.renewal_date, a.score, a.outcome FROM vendors v
       LEFT JOIN vendor_assessments a ON a.id = (
         SELECT id FROM vendor_assessments WHERE vendor_id = v.id AND completed_at IS NOT NULL
         ORDER BY julianday(completed_at) DESC LIMIT 1)
       ORDER BY ${TIER_RANK}, v.name LIMIT 2000`,
    )
    .all()
    .map((v) => ({
      id: v.id,
      name: v.name,
      tier: v.tier,
      renewalDate: v.renewal_date ?? undefined,
      lastScore: v.score ?? undefined,
      lastOutcome: v.outcome ?? undefined,
    }));
}

/** A vendor with its assessments (newest first) and its endpoints' grades. */
export function vendorDetail(db: Database.Database, vendorId: string): VendorDetail | null {
  const v = db
    .prepare<
      [string],
      {
        id: string;
        name: string;
        tier: string;
        owner_id: string | null;
        renewal_date: string | null;
        contract_end: string | null;
      }
    >('SELECT * FROM vendors WHERE id = ?')
    .get(vendorId);
  if (!v) return null;
  const assessments = db
    .prepare<
      [string],
      {
        id: string;
        period: string;
        score: number | null;
        outcome: string | null;
        completed_at: string | null;
        questions: string | null;
      }
    >(
      `SELECT a.id, a.period, a.score, a.outcome, a.completed_at,
         json_extract(r.data, '$.questions') AS questions
       FROM vendor_assessments a JOIN records r ON r.tbl = 'vendor_assessments' AND r.id = a.id
       WHERE a.vendor_id = ? ORDER BY julianday(a.created_at) DESC, a.period DESC`,
    )
    .all(vendorId)
    .map((a) => ({
      id: a.id,
      period: a.period,
      score: a.score ?? undefined,
      outcome: a.outcome ?? undefined,
      completedAt: a.completed_at ?? undefined,
      questions: parseQuestions(a.questions),
    }));
  const hosts = db
    .prepare<[string], { id: string; hostname: string | null; grade: string | null }>(
      `SELECT vh.host_id AS id, h.hostname, s.grade FROM vendor_hosts vh
       LEFT JOIN hosts h ON h.id = vh.host_id LEFT JOIN host_status s ON s.host_id = vh.host_id
       WHERE vh.vendor_id = ? ORDER BY h.hostname`,
    )
    .all(vendorId)
    .map((h) => ({ id: h.id, name: h.hostname ?? h.id, grade: h.grade ?? undefined }));
  return {
    id: v.id,
    name: v.name,
    tier: v.tier,
    owner: v.owner_id ? names(db)(v.owner_id) : undefined,
    renewalDate: v.renewal_date ?? undefined,
    contractEnd: v.contract_end ?? undefined,
    assessments,
    hosts,
  };
}
