/** @vigilo/shared: wire formats and pure rules shared by the agent, the server and the desktop. */
export * from './snapshot.ts';
export * from './cipher-suites.ts';
export * from './grading.ts';
export * from './agent-protocol.ts';
