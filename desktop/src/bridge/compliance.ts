import { z } from 'zod';
import type { OnlineResult, Person } from './changes.ts';

/**
 * The bridge's view of compliance: the risk register with its 5×5 heat map, vendors with their
 * assessments and hosts' grades, and controls with framework coverage and the latest control-test
 * results, all read from the replica (they open offline). Recording a risk and adding an evidence
 * link are online calls whose refusals carry the server's words per field. Pure data.
 */

const id = z.string().min(1).max(100);
/** Which ratings the heat map and list place a risk by. */
export const riskViewSchema = z.enum(['inherent', 'residual']);
export type RiskView = z.infer<typeof riskViewSchema>;

export const riskFilterSchema = z.object({
  view: riskViewSchema.default('inherent'),
  /** One heat-map cell: the risks rated this likelihood and impact (in `view`'s ratings). */
  likelihood: z.number().int().min(1).max(5).optional(),
  impact: z.number().int().min(1).max(5).optional(),
  /** Closed risks are left out unless asked for. */
  includeClosed: z.boolean().default(false),
});
export type RiskFilter = z.input<typeof riskFilterSchema>;

export type RiskListRow = {
  id: string;
  title: string;
  category: string;
  status: string;
  owner: Person | undefined;
  likelihood: number;
  impact: number;
  score: number;
  residualLikelihood: number | undefined;
  residualImpact: number | undefined;
  residualScore: number | undefined;
  needsReassessment: boolean;
};

/** counts[likelihood - 1][impact - 1]: open risks in each cell of the 5×5 grid. */
export type RiskHeatmap = { view: RiskView; counts: number[][] };

export type RiskDetail = RiskListRow & {
  description: string;
  treatment: string | undefined;
  treatmentPlan: string;
  reviewDate: string | undefined;
  signalThreshold: number;
  signalPeriodDays: number;
  hosts: Array<{ id: string; name: string }>;
  vendors: Array<{ id: string; name: string }>;
  signals: Array<{ id: string; kind: string; summary: string; at: string; host: string }>;
};

/** A new risk: loose on purpose, so the form shows the server's words for each bad field. */
export const riskDraftSchema = z.object({
  title: z.string().max(1000),
  category: z.string().max(1000),
  likelihood: z.number().int(),
  impact: z.number().int(),
  description: z.string().max(20_000).optional(),
  /** The monitored hosts it concerns: their incidents, failed changes and critical alerts are its signals. */
  hostIds: z.array(id).max(100).optional(),
});
export type RiskDraft = z.input<typeof riskDraftSchema>;

export type VendorRow = {
  id: string;
  name: string;
  tier: string;
  renewalDate: string | undefined;
  /** The latest completed assessment's score and outcome, if any. */
  lastScore: number | undefined;
  lastOutcome: string | undefined;
};

export type VendorDetail = {
  id: string;
  name: string;
  tier: string;
  owner: Person | undefined;
  renewalDate: string | undefined;
  contractEnd: string | undefined;
  assessments: Array<{
    id: string;
    period: string;
    score: number | undefined;
    outcome: string | undefined;
    completedAt: string | undefined;
    /** The questions it is answered against (its own copy of the template's). */
    questions: Array<{ id: string; text: string; weight: number; type: string }>;
  }>;
  /** Its monitored endpoints with their latest TLS grade (the replica's host_status). */
  hosts: Array<{ id: string; name: string; grade: string | undefined }>;
};

export type CoverageGroup = {
  ref: string;
  title: string;
  total: number;
  covered: number;
  implemented: number;
};
export type FrameworkCoverageView = {
  key: string;
  name: string;
  version: string;
  total: number;
  covered: number;
  groups: CoverageGroup[];
};

export type ControlRow = {
  id: string;
  title: string;
  status: string;
  needsEvidence: boolean;
  owner: Person | undefined;
  evidence: Array<{ id: string; title: string; url: string | undefined; expiresAt: string | undefined }>;
};

export type ControlTestView = {
  testId: string;
  status: string;
  summary: string;
  evaluatedAt: string;
  subjects: Array<{ type: string; id: string; ok: boolean; fields: Record<string, unknown> }>;
};

export type ControlsOverview = {
  coverage: FrameworkCoverageView[];
  /** Controls needing evidence first, then by title. */
  controls: ControlRow[];
  /** The latest result of each control test. */
  tests: ControlTestView[];
};

export const evidenceLinkSchema = z.object({
  controlId: id,
  title: z.string().max(1000),
  url: z.string().max(4000),
  /** An ISO instant, or '' for none. */
  expiresAt: z.string().max(40).default(''),
});
export type EvidenceLinkDraft = z.input<typeof evidenceLinkSchema>;

/** An assessment's answers (yes/no, 1–5, text by question id), findings and outcome: loose on purpose. */
export const assessmentRecordSchema = z.object({
  assessmentId: id,
  answers: z.record(z.string().max(100), z.union([z.boolean(), z.number(), z.string().max(4000)])),
  findings: z.string().max(20_000).default(''),
  outcome: z.string().max(100),
});
export type AssessmentRecord = z.input<typeof assessmentRecordSchema>;

export const complianceCalls = {
  'risks.list': { input: riskFilterSchema },
  'risks.heatmap': { input: z.object({ view: riskViewSchema.default('inherent') }) },
  'risks.detail': { input: z.object({ riskId: id }) },
  'risks.create': { input: riskDraftSchema },
  'vendors.list': { input: z.object({}) },
  'vendors.detail': { input: z.object({ vendorId: id }) },
  'controls.overview': { input: z.object({}) },
  'evidence.addLink': { input: evidenceLinkSchema },
  'assessments.record': { input: assessmentRecordSchema },
} as const;

export type ComplianceOutputs = {
  'risks.list': RiskListRow[];
  'risks.heatmap': RiskHeatmap;
  'risks.detail': RiskDetail | null;
  'risks.create': OnlineResult<{ id: string }>;
  'vendors.list': VendorRow[];
  'vendors.detail': VendorDetail | null;
  'controls.overview': ControlsOverview;
  'evidence.addLink': OnlineResult<{ id: string }>;
  'assessments.record': OnlineResult<{ id: string }>;
};
