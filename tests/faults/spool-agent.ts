/**
 * An agent process for the fault suite's spool fault: the agent's real Spool and Pusher, with
 * synthetic scans appended ten at a time every 100 ms (each append fsynced, so a kill -9 often
 * lands while it writes), and the pusher
 * draining to the server. Each id is written to FAULTS_SPOOLED_FILE after its append resolved,
 * i.e. once the spool promised it survives a crash. On SIGTERM it stops scanning, drains the
 * spool and exits.
 */
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { PushClient } from '../../agent/src/push/client.ts';
import { Pusher } from '../../agent/src/push/pusher.ts';
import { Spool } from '../../agent/src/spool/spool.ts';
import { makeSnapshot } from '../support/snapshots.ts';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const hosts = JSON.parse(await readFile(env('FAULTS_HOSTS_FILE'), 'utf8')) as Array<{
  id: string;
  hostname: string;
}>;
const spooledFile = env('FAULTS_SPOOLED_FILE');
const spool = await Spool.open(env('FAULTS_SPOOL_DIR'));
const pusher = new Pusher(
  spool,
  new PushClient({ serverUrl: env('FAULTS_URL'), token: env('FAULTS_TOKEN'), agentVersion: 'faults-spool' }),
  { maxBatch: 100, backoff: { baseMs: 100, capMs: 1000, jitter: 'full', maxRetryAfterMs: 1000 } },
);

let scanning = true;
process.on('SIGTERM', () => void (scanning = false));

const scan = async () => {
  let n = 0;
  while (scanning) {
    const at = new Date();
    const batch = Array.from({ length: 10 }, () => {
      const host = hosts[n++ % hosts.length]!;
      return makeSnapshot({ hostId: host.id, hostname: host.hostname, scannedAt: at });
    });
    await spool.append(batch);
    appendFileSync(spooledFile, batch.map((s) => `${s.id}\n`).join(''));
    await sleep(100);
  }
};
const push = async () => {
  for (;;) {
    const result = await pusher.drain();
    if (!scanning && result === 'empty') return;
    await sleep(100);
  }
};
await Promise.all([scan(), push()]);
await spool.close();
process.exit(0);
