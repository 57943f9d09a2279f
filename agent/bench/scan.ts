/**
 * `npm run bench:scan`: scanner throughput against N loopback TLS endpoints, beside the floor of a
 * bare tls.connect + getPeerCertificate(true) loop over the same endpoints, measured in one run.
 * Env: BENCH_SECONDS (default 30, split over the three phases), BENCH_ENDPOINTS (200),
 * BENCH_CONCURRENCY (200). The last line printed is one JSON object (see BENCHMARKS.md).
 */
import { fork } from 'node:child_process';
import { cpus } from 'node:os';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { issue } from '../test/fixtures/pki.ts';
import { createScanner } from '../src/scan/scanner.ts';
import { describeTarget } from '../src/scan/target.ts';
import { TrustStore } from '../src/scan/trust.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 200);
const out = (line: string) => process.stdout.write(`${line}\n`);

const root = await issue({ cn: 'Bench Root', ca: true });
const leaf = await issue({ cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], issuer: root });
const farm = fork(fileURLToPath(new URL('./tls-farm.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
});
const ask = <T>(msg: unknown): Promise<T> =>
  new Promise((resolve) => {
    farm.once('message', (m) => resolve(m as T));
    farm.send(msg as string);
  });
const { ports } = await ask<{ ports: number[] }>({
  count: ENDPOINTS,
  key: leaf.keyPem,
  cert: leaf.pem + root.pem,
});
const farmCpu = async () => {
  const { cpu } = await ask<{ cpu: NodeJS.CpuUsage }>('cpu');
  return (cpu.user + cpu.system) / 1000;
};

interface Phase {
  name: string;
  count: number;
  perSecond: number;
  clientCpuMs: number;
  serverCpuMs: number;
  failures: number;
}

/** Runs `op` over the endpoints round-robin with CONCURRENCY workers for `seconds`. */
async function phase(name: string, seconds: number, op: (port: number) => Promise<boolean>): Promise<Phase> {
  const cpu0 = process.cpuUsage();
  const server0 = await farmCpu();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  let count = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const port = ports[next++ % ports.length]!;
        if (await op(port)) count++;
        else failures++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server = (await farmCpu()) - server0;
  const result = {
    name,
    count,
    perSecond: Math.round((count / elapsed) * 10) / 10,
    clientCpuMs: Math.round(((cpu.user + cpu.system) / 1000 / Math.max(count, 1)) * 100) / 100,
    serverCpuMs: Math.round((server / Math.max(count, 1)) * 100) / 100,
    failures,
  };
  out(
    `${name.padEnd(12)} ${String(result.perSecond).padStart(8)} /s   client ${result.clientCpuMs} ms CPU each   server ${result.serverCpuMs} ms CPU each   (${count} ok, ${failures} failed)`,
  );
  return result;
}

/** The floor: what Node itself costs for a handshake plus reading the chain. */
const bare = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      s.getPeerCertificate(true);
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

const scanner = createScanner({ trust: TrustStore.fromPem([root.pem]), agentVersion: 'bench' });
const certCheck = async (port: number) => {
  const s = await scanner.scan(describeTarget('localhost', port, 'tls'), { posture: false });
  return s.grade !== null;
};
const fullScan = async (port: number) => {
  const s = await scanner.scan(describeTarget('localhost', port, 'https'), { posture: true });
  return s.grade?.grade === 'A+';
};

out(
  `vigilo-agent scan benchmark: ${ENDPOINTS} endpoints, concurrency ${CONCURRENCY}, ${SECONDS} s, Node ${process.version}, ${cpus().length} CPUs`,
);
await phase('warm-up', Math.min(2, SECONDS / 10), certCheck);
const floor = await phase('floor', SECONDS / 3, bare);
const cert = await phase('cert-only', SECONDS / 3, certCheck);
const full = await phase('full', SECONDS / 3, fullScan);
farm.send('exit');
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
out(`peak RSS ${peakRssMb} MB; cert-only / floor = ${(cert.perSecond / floor.perSecond).toFixed(2)}`);
out(
  JSON.stringify({
    cert_checks_per_s: cert.perSecond,
    cert_cpu_ms: cert.clientCpuMs,
    floor_checks_per_s: floor.perSecond,
    floor_cpu_ms: floor.clientCpuMs,
    cert_vs_floor_ratio: Math.round((cert.perSecond / floor.perSecond) * 100) / 100,
    full_scans_per_s: full.perSecond,
    full_cpu_ms: full.clientCpuMs,
    server_cpu_ms_per_cert_check: cert.serverCpuMs,
    server_cpu_ms_per_full_scan: full.serverCpuMs,
    peak_rss_mb: peakRssMb,
    failures: floor.failures + cert.failures + full.failures,
    endpoints: ENDPOINTS,
    concurrency: CONCURRENCY,
    seconds: SECONDS,
    node: process.version,
    cpus: cpus().length,
  }),
);
