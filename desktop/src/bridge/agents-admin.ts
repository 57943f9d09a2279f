/**
 * The bridge's view of agents: enrollment, default agent, moving hosts (Settings). Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 */

/** The calls, spread into contract.ts's bridgeCalls. */
export const agentsAdminCalls = {} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type AgentsAdminOutputs = Record<never, never>;
