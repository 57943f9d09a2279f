import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import type { Snapshot } from '@vigilo/shared/snapshot';
import { uuidv7 } from './snapshots.ts';
import type { World } from './world.ts';

export type TestAgent = {
  id: string;
  token: string;
  /** Pushes a batch through the real agent API (ingest, host status, certificates, rules). */
  push(snapshots: Snapshot[]): Promise<void>;
};

/**
 * Enrolls an agent in `acme` through the real enrollment API, as `vigilo-agent enroll` does.
 * Hosts assigned to it (hosts.add with its id) accept its snapshots.
 */
export async function enrollAgent(world: World, name = `agent-${Date.now()}`): Promise<TestAgent> {
  const { token: enrollment } = await world
    .client('admin')
    .agents.createEnrollmentToken.mutate({ workspace: 'acme', name });
  const res = await fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: enrollment, name, agent_version: 'test', platform: 'linux' }),
  });
  if (res.status !== 201) throw new Error(`enrollment failed: ${res.status} ${await res.text()}`);
  const { agent_id: id, agent_token: token } = (await res.json()) as {
    agent_id: string;
    agent_token: string;
  };
  return {
    id,
    token,
    async push(snapshots) {
      const pushed = await fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          batch_id: uuidv7(),
          agent_version: 'test',
          sent_at: new Date().toISOString(),
          snapshots,
        }),
      });
      if (pushed.status !== 200) throw new Error(`push failed: ${pushed.status} ${await pushed.text()}`);
    },
  };
}
