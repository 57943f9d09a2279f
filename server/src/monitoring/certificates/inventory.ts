import { daysLeft } from '@vigilo/shared/expiry';
import type { WorkspaceTx } from '../../db/tx.ts';

export type InventoryFilter = {
  /** Only certificates that expire within this many days of `now` (expired ones too). */
  expiringWithinDays?: number | undefined;
  issuer?: string | undefined;
  keyAlgorithm?: string | undefined;
  /** Only certificates seen on at least this many hosts. */
  minHosts?: number | undefined;
  limit: number;
};

/**
 * The certificate inventory, deduplicated by fingerprint: soonest expiry first, with the hosts
 * each is seen on, plus counts by issuer and by key algorithm for the grouped views.
 */
export async function certificateInventory(tx: WorkspaceTx, f: InventoryFilter, now: Date) {
  const { rows } = await tx.query<{
    fingerprint: string;
    subject: string;
    issuer: string;
    issuer_cn: string | null;
    sans: string[];
    not_after: Date;
    key_algorithm: string;
    key_bits: number | null;
    signature_algorithm: string;
    hosts: Array<{ id: string; hostname: string; port: number }>;
  }>(
    `SELECT c.fingerprint, c.subject, c.issuer, c.issuer_cn, c.sans, c.not_after, c.key_algorithm, c.key_bits, c.signature_algorithm,
            coalesce(jsonb_agg(jsonb_build_object('id', h.id, 'hostname', h.hostname, 'port', h.port)) FILTER (WHERE h.id IS NOT NULL), '[]') AS hosts
     FROM certificates c
     LEFT JOIN host_status s ON s.fingerprint = c.fingerprint
     LEFT JOIN hosts h ON h.id = s.host_id
     WHERE ($1::timestamptz IS NULL OR c.not_after <= $1) AND ($2::text IS NULL OR c.issuer_cn = $2 OR c.issuer = $2)
       AND ($3::text IS NULL OR c.key_algorithm = $3)
     GROUP BY c.workspace_id, c.fingerprint
     HAVING count(h.id) >= $4
     ORDER BY c.not_after LIMIT $5`,
    [
      f.expiringWithinDays === undefined ? null : new Date(now.getTime() + f.expiringWithinDays * 86_400_000),
      f.issuer ?? null,
      f.keyAlgorithm ?? null,
      f.minHosts ?? 0,
      f.limit,
    ],
  );
  const groups = await tx.query<{ kind: string; key: string; n: number }>(
    `SELECT 'issuer' AS kind, coalesce(issuer_cn, issuer) AS key, count(*)::int AS n FROM certificates GROUP BY 2
     UNION ALL SELECT 'key', key_algorithm || coalesce(' ' || key_bits, ''), count(*)::int FROM certificates GROUP BY 2
     ORDER BY 1, 3 DESC`,
  );
  return {
    certificates: rows.map((r) => ({
      fingerprint: r.fingerprint,
      subject: r.subject,
      issuer: r.issuer_cn ?? r.issuer,
      sans: r.sans,
      notAfter: r.not_after,
      daysLeft: daysLeft(r.not_after, now),
      keyAlgorithm: r.key_algorithm,
      keyBits: r.key_bits,
      signatureAlgorithm: r.signature_algorithm,
      hosts: r.hosts,
    })),
    byIssuer: groups.rows.filter((g) => g.kind === 'issuer').map((g) => ({ issuer: g.key, count: g.n })),
    byKey: groups.rows.filter((g) => g.kind === 'key').map((g) => ({ key: g.key, count: g.n })),
  };
}
