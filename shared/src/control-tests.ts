import { z } from 'zod';

/**
 * Automated control tests: checks evaluated from Vigilo's own data, each producing a dated
 * pass / fail / not applicable result with the rows it looked at. The list is the contract: the
 * server holds one evaluator per id in an exhaustive map (server/src/compliance/control-tests/),
 * so adding an id here does not compile until it is evaluated; the desktop names them from here.
 */
export const CONTROL_TESTS = [
  {
    id: 'production_expiry_alerts',
    title: 'Production hosts are covered by an expiry alert',
    checks: 'Every active host tagged production is in the scope of an enabled expires_within alert rule.',
  },
  {
    id: 'production_no_legacy_tls',
    title: 'No production endpoint accepts TLS 1.0 or 1.1',
    checks: 'The latest scan of every active production host shows TLS 1.0 and TLS 1.1 not accepted.',
  },
  {
    id: 'production_grade_b',
    title: 'No production endpoint grades below B',
    checks: 'The latest graded scan of every active production host has grade A+, A or B.',
  },
  {
    id: 'emergency_retrospective',
    title: 'Emergency changes are reviewed within 5 days',
    checks: 'Every emergency change whose retrospective is due has had its retrospective review.',
  },
  {
    id: 'production_changes_approved',
    title: 'Changes to production were approved before they started',
    checks:
      'Every change touching a production host (by id or tag) that started implementing was approved before it started.',
  },
  {
    id: 'critical_vendor_assessed',
    title: 'Critical vendors have a current assessment',
    checks: 'Every critical vendor has a completed assessment younger than a year.',
  },
  {
    id: 'risks_reviewed',
    title: 'Risks are reviewed on time',
    checks: 'No open risk is past its review date.',
  },
  {
    id: 'audit_chain_verifies',
    title: 'The audit chain verifies',
    checks: "Every row of the workspace's audit log matches its hash and links to the row before it.",
  },
] as const;

export type ControlTestId = (typeof CONTROL_TESTS)[number]['id'];
export const CONTROL_TEST_IDS = CONTROL_TESTS.map((t) => t.id) as [ControlTestId, ...ControlTestId[]];
export const controlTestIdSchema = z.enum(CONTROL_TEST_IDS, {
  error: `testId must be one of ${CONTROL_TEST_IDS.join(', ')}`,
});

export const CONTROL_TEST_STATUSES = ['pass', 'fail', 'not_applicable'] as const;
export type ControlTestStatus = (typeof CONTROL_TEST_STATUSES)[number];

/** The tag that marks a host as production for the tests that care. */
export const PRODUCTION_TAG = 'production';

/** A row a test looked at: what it is, whether it passed, and a few fields to show why. */
export type ControlTestSubject = {
  type: string;
  id: string;
  ok: boolean;
  fields: Record<string, string | number | boolean | null>;
};

/** What one evaluation found; `summary` says it in a sentence. */
export type ControlTestOutcome = {
  status: ControlTestStatus;
  summary: string;
  subjects: ControlTestSubject[];
};

/** At most this many subjects are stored per result (the failing ones first). */
export const CONTROL_TEST_MAX_SUBJECTS = 200;

/** The definition of one test, by id. */
export function controlTest(id: ControlTestId): (typeof CONTROL_TESTS)[number] {
  const found = CONTROL_TESTS.find((t) => t.id === id);
  if (!found) throw new Error(`unknown control test ${id}`);
  return found;
}
