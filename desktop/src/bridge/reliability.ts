/**
 * The bridge's view of sLOs and public status pages. Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 */

/** The calls, spread into contract.ts's bridgeCalls. */
export const reliabilityCalls = {} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type ReliabilityOutputs = Record<never, never>;
