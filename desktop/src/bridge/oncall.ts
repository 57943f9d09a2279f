/**
 * The bridge's view of on-call: schedules, overrides, escalation policies. Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 */

/** The calls, spread into contract.ts's bridgeCalls. */
export const oncallCalls = {} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type OncallOutputs = Record<never, never>;
