/**
 * Snapshots for `npm run bench:ingest`, as a fleet of agents would send them, made cheaply: one
 * template per host and certificate, validated once against the shared schema, then serialised
 * with the id and scan time spliced in (no per-snapshot validation or object building in the load
 * generator, which would otherwise cost as much CPU as the server it measures).
 *
 * Churn is realistic: a host keeps its certificate (same fingerprint, same dates) from scan to
 * scan; with probability `renewal` a scan finds it renewed (new fingerprint, new dates), and with
 * probability `outage` a scan finds the host unreachable (it is back at the next scan). About 2 %
 * of hosts carry a certificate expiring within 30 days, so the expiry rule has alerts to keep open.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Snapshot } from '@vigilo/shared/snapshot';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';

const SENTINEL_ID = '00000000-0000-7000-8000-000000000000';
const SENTINEL_AT = '2001-01-01T00:00:00.000Z';
const DAY = 86_400_000;

/** A snapshot serialised with holes for its id and scan time. */
type Template = { parts: string[] };

const digest = (seed: string, bytes: number) =>
  createHash('sha256')
    .update(seed)
    .digest()
    .subarray(0, bytes)
    .toString('hex')
    .toUpperCase()
    .match(/../g)!
    .join(':');

function template(snapshot: unknown): Template {
  const json = JSON.stringify(Snapshot.parse(snapshot));
  // The sentinels occur once each (id, scanned_at); the splits keep everything else verbatim.
  const [head, rest] = json.split(SENTINEL_ID) as [string, string];
  const [middle, tail] = rest.split(SENTINEL_AT) as [string, string];
  return { parts: [head, middle, tail] };
}

/** A host's current certificate generation: renewal makes the next one. */
function reachableTemplate(host: { id: string; hostname: string }, generation: number, index: number) {
  const expiring = index % 50 === 0;
  const base = makeSnapshot({
    hostId: host.id,
    hostname: host.hostname,
    scannedAt: new Date(SENTINEL_AT),
    notAfter: new Date(Date.now() + (expiring ? 10 : 200 + (index % 150)) * DAY),
  });
  const leaf = base.tls!.chain[0]!;
  leaf.fingerprint_sha256 = digest(`${host.id}/${generation}`, 32);
  leaf.fingerprint_sha1 = digest(`${host.id}/${generation}/sha1`, 20);
  leaf.serial = digest(`${host.id}/${generation}/serial`, 8).replaceAll(':', '');
  leaf.not_before = new Date(Date.now() - (generation + 1) * DAY).toISOString();
  return template({ ...base, id: SENTINEL_ID });
}

export type Fleet = {
  /** One batch: `size` snapshots of consecutive hosts from `offset`, scanned at `at`. */
  batch(offset: number, size: number, at: number): { json: string; ids: string[] };
};

/** Templates for `hosts`, with renewal and outage probabilities per scan. */
export function createFleet(
  hosts: Array<{ id: string; hostname: string }>,
  churn: { renewal: number; outage: number },
): Fleet {
  const generation = hosts.map(() => 0);
  const up = hosts.map((h, i) => reachableTemplate(h, 0, i));
  const down = hosts.map((h) =>
    template({
      ...makeSnapshot({
        hostId: h.id,
        hostname: h.hostname,
        scannedAt: new Date(SENTINEL_AT),
        reachable: false,
      }),
      id: SENTINEL_ID,
    }),
  );
  const nonce = randomBytes(4).readUInt32BE(0);
  let counter = 0;
  /** A UUIDv7 for `at`, unique in this run (counter) and across runs (nonce). */
  const uuid = (at: number) => {
    const hex = Math.floor(at).toString(16).padStart(12, '0');
    const n = (counter++).toString(16).padStart(12, '0');
    const r = nonce.toString(16).padStart(8, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${r.slice(0, 3)}-8${r.slice(3, 6)}-${r.slice(6, 8)}${n.slice(2)}`;
  };
  return {
    batch(offset, size, at) {
      const ids: string[] = [];
      const parts: string[] = [];
      for (let k = 0; k < size; k++) {
        const h = (offset + k) % hosts.length;
        if (Math.random() < churn.renewal) up[h] = reachableTemplate(hosts[h]!, ++generation[h]!, h);
        const t = Math.random() < churn.outage ? down[h]! : up[h]!;
        const id = uuid(at);
        ids.push(id);
        // Scans of one batch finished over the last few seconds.
        const scanned = new Date(at - Math.floor(Math.random() * 5000)).toISOString();
        parts.push(`${t.parts[0]}${id}${t.parts[1]}${scanned}${t.parts[2]}`);
      }
      return { json: `[${parts.join(',')}]`, ids };
    },
  };
}
