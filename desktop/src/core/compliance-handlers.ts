import type { z } from 'zod';
import type {
  assessmentRecordSchema,
  ComplianceOutputs,
  complianceCalls,
  evidenceLinkSchema,
  riskDraftSchema,
} from '../bridge/compliance.ts';
import type { OnlineResult } from '../bridge/changes.ts';
import type { BridgeContext } from './bridge-handlers.ts';
import { online } from './change-admin-online.ts';
import type { OnlineDeps } from './hosts-online.ts';
import { controlsOverview } from './replica/controls.ts';
import { riskDetail, riskHeatmap, riskList, vendorDetail, vendorList } from './replica/risks.ts';
import { openCore, thenSync } from './handler-kit.ts';

type Call = keyof typeof complianceCalls;
type Parsed<C extends Call> = z.output<(typeof complianceCalls)[C]['input']>;

/** Records a risk (online: the server checks the ratings and names each bad field). */
export function createRisk(
  deps: OnlineDeps,
  draft: z.output<typeof riskDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  return online('recording a risk', async () => {
    const risk = await deps.api.risks.create.mutate({ workspace: deps.workspace, ...draft });
    return { id: risk.id };
  });
}

/** Adds a link as evidence of a control (online; '' for no expiry). */
export function addEvidenceLink(
  deps: OnlineDeps,
  draft: z.output<typeof evidenceLinkSchema>,
): Promise<OnlineResult<{ id: string }>> {
  const { expiresAt, ...link } = draft;
  return online('adding evidence', async () => {
    const added = await deps.api.evidence.add.mutate({
      workspace: deps.workspace,
      ...link,
      ...(expiresAt ? { expiresAt } : {}),
    });
    return { id: added.id };
  });
}

/** Records a vendor assessment's answers (online: the server scores them and names bad ones). */
export function recordAssessment(
  deps: OnlineDeps,
  draft: z.output<typeof assessmentRecordSchema>,
): Promise<OnlineResult<{ id: string }>> {
  const { assessmentId, outcome, ...rest } = draft;
  return online('recording an assessment', async () => {
    await deps.api.assessments.record.mutate({
      workspace: deps.workspace,
      id: assessmentId,
      // The server names a bad outcome as a field error; the bridge passes the words through.
      outcome: outcome as never,
      ...rest,
    });
    return { id: assessmentId };
  });
}

/** How the compliance calls of the contract are served (spread into HANDLERS). */
export const COMPLIANCE_HANDLERS: {
  [C in Call]: (input: Parsed<C>, ctx: BridgeContext) => ComplianceOutputs[C] | Promise<ComplianceOutputs[C]>;
} = {
  'risks.list': (filter, { app }) => (app.core ? riskList(app.core.db, filter) : []),
  'risks.heatmap': ({ view }, ctx) => riskHeatmap(openCore(ctx).db, view),
  'risks.detail': ({ riskId }, ctx) => riskDetail(openCore(ctx).db, riskId),
  'risks.create': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await createRisk(core, draft));
  },
  'vendors.list': (_input, { app }) => (app.core ? vendorList(app.core.db) : []),
  'vendors.detail': ({ vendorId }, ctx) => vendorDetail(openCore(ctx).db, vendorId),
  'controls.overview': (_input, ctx) => {
    const core = openCore(ctx);
    return controlsOverview(core.db, core.clock());
  },
  'evidence.addLink': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await addEvidenceLink(core, draft));
  },
  'assessments.record': async (draft, ctx) => {
    const core = openCore(ctx);
    return thenSync(core, await recordAssessment(core, draft));
  },
};
