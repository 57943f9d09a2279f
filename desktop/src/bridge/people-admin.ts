/**
 * The bridge's view of members, API tokens, maintenance windows and snoozes (Settings). Pure data, like contract.ts: the
 * calls (spread into contract.ts's bridgeCalls) and their answers (joined into BridgeOutputs).
 */

/** The calls, spread into contract.ts's bridgeCalls. */
export const peopleAdminCalls = {} as const;

/** Their answers, joined into contract.ts's BridgeOutputs. */
export type PeopleAdminOutputs = Record<never, never>;
