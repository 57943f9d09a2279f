/**
 * The bridge's view of alert rules and notification channels (Settings). Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 */

/** The calls, spread into contract.ts's bridgeCalls. */
export const alertingAdminCalls = {} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type AlertingAdminOutputs = Record<never, never>;
