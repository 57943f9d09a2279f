// The first-run demo of `npm start`: on the first start of a fresh data folder, four TLS
// endpoints on loopback (good, expiring in 5 days, TLS 1.0/1.1 with weak suites, wrong name) are
// added as hosts of the `demo` workspace and scanned by the local agent, so a new user sees real
// scans, grades and alerts within a minute. Later starts serve the endpoints whose hosts still
// exist; removed ones stay removed. Turned off with --no-demo or VIGILO_DEMO=0.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type pg from 'pg';
import { z } from 'zod';
import { createDemoCa } from './demo-certificates.ts';
import {
  DEMO_ENDPOINTS,
  DEMO_HOSTNAME,
  DEMO_KINDS,
  type DemoKind,
  type RunningEndpoint,
  startDemoEndpoint,
} from './demo-endpoints.ts';
import { addDemoHosts, demoDir, readDemoMarker, remainingDemoHosts } from './demo-hosts.ts';

const demoEnv = z.object({
  VIGILO_DEMO: z.enum(['0', '1'], { error: 'VIGILO_DEMO must be 0 or 1' }).optional(),
});

/**
 * Whether the launcher runs the demo: `--no-demo` or VIGILO_DEMO=0 turn it off. An empty
 * variable counts as unset, as in the server's own configuration.
 */
export function demoWanted(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { ok: true; enabled: boolean } | { ok: false; message: string } {
  const value = env.VIGILO_DEMO === '' ? undefined : env.VIGILO_DEMO;
  const parsed = demoEnv.safeParse({ VIGILO_DEMO: value });
  if (!parsed.success) {
    return { ok: false, message: `${parsed.error.issues[0]?.message} (got ${JSON.stringify(value)})` };
  }
  return { ok: true, enabled: !args.includes('--no-demo') && parsed.data.VIGILO_DEMO !== '0' };
}

export type Demo = {
  /** The demo CA's certificate: the local agent trusts it, so the good endpoint is trusted. */
  caFile: string;
  /** First start only: adds the demo hosts, once the local agent is enrolled to scan them. */
  addHosts(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Starts the demo endpoints when this is the first start (`firstRun`) or an earlier first start
 * set the demo up and some of its hosts remain. Undefined when there is nothing to run. A demo
 * that cannot start is reported and skipped: the product is useful without it.
 */
export async function startDemo(opts: {
  owner: pg.Pool;
  home: string;
  firstRun: boolean;
  log: Logger;
  print: (line: string) => void;
  now?: () => Date;
}): Promise<Demo | undefined> {
  const now = opts.now ?? (() => new Date());
  const running: RunningEndpoint[] = [];
  const stop = async () => {
    await Promise.all(running.map((e) => e.close()));
  };
  try {
    let wanted: Array<{ kind: DemoKind; port: number }>;
    if (opts.firstRun) {
      wanted = DEMO_KINDS.map((kind) => ({ kind, port: DEMO_ENDPOINTS[kind].preferredPort }));
    } else {
      const read = await readDemoMarker(opts.home);
      if (!read.ok) {
        opts.print(`Demo endpoints not started: ${read.problem}.`);
        return undefined;
      }
      if (!read.marker) return undefined;
      wanted = await remainingDemoHosts(opts.owner, read.marker);
      if (wanted.length === 0) return undefined;
    }

    const ca = await createDemoCa(now());
    const caFile = path.join(demoDir(opts.home), 'demo-ca.pem');
    await mkdir(demoDir(opts.home), { recursive: true, mode: 0o700 });
    await writeFile(caFile, ca.certPem, { mode: 0o644 });
    for (const w of wanted) {
      const endpoint = await startDemoEndpoint({
        kind: w.kind,
        ca,
        port: w.port,
        // The first start may move to any free port (the host is added with it); a later one
        // must use the host's port, so a taken port is reported instead.
        fallbackToAny: opts.firstRun,
        now: now(),
      });
      if (endpoint) running.push(endpoint);
      else
        opts.print(
          `Demo endpoint "${w.kind}" not started: port ${w.port} on 127.0.0.1 is in use; its host will show as unreachable.`,
        );
    }
    if (!opts.firstRun) {
      opts.print(
        `Demo endpoints running for the demo hosts: ${running.map((e) => `${DEMO_HOSTNAME}:${e.port}`).join(', ')}` +
          ' (start with --no-demo to leave them off; remove the hosts to stop them for good).',
      );
    }
    return {
      caFile,
      stop,
      addHosts: async () => {
        if (!opts.firstRun) return;
        try {
          const added = await addDemoHosts(opts.owner, opts.home, running, now());
          if (!added) return;
          printIntroduction(opts.print, running, added.agentAssigned);
        } catch (err) {
          opts.log.error({ err }, 'the demo hosts could not be added');
          opts.print(`The demo hosts could not be added: ${(err as Error).message}`);
        }
      },
    };
  } catch (err) {
    opts.log.error({ err }, 'the demo endpoints could not start');
    opts.print(`The demo endpoints could not start: ${(err as Error).message}`);
    await stop();
    return undefined;
  }
}

function printIntroduction(
  print: (line: string) => void,
  endpoints: readonly RunningEndpoint[],
  agentAssigned: boolean,
): void {
  const lines = endpoints.map((e) => {
    const spec = DEMO_ENDPOINTS[e.kind];
    return `  ${`${DEMO_HOSTNAME}:${e.port}`.padEnd(16)} ${spec.tag.padEnd(16)} ${spec.summary}: expect ${spec.expected}`;
  });
  print(
    [
      'Demo: these TLS endpoints on 127.0.0.1 are now hosts of the workspace "demo" (tag demo),',
      agentAssigned
        ? '  scanned by the local agent within a minute:'
        : '  but no single agent could take them: assign them to an agent to see them scanned:',
      ...lines,
      '  Remove them like any other host; they are not added again. --no-demo or VIGILO_DEMO=0 starts without them.',
    ].join('\n'),
  );
}
