/**
 * The human report card for one snapshot. Plain text, no colours, stable enough to grep.
 */
import { daysLeft } from '@vigilo/shared/expiry';
import type { Snapshot, TlsVersion } from '@vigilo/shared/snapshot';

function endpoint(s: Snapshot): string {
  const host = s.target.hostname.includes(':') ? `[${s.target.hostname}]` : s.target.hostname;
  return `${host}:${s.target.port} (${s.target.protocol}${s.target.starttls ? ', STARTTLS' : ''})`;
}

/** Renders one snapshot as a multi-line report card (ends with a newline). */
export function reportCard(s: Snapshot, now: Date = new Date()): string {
  const out: string[] = [];
  const row = (label: string, value: string) => out.push(`  ${label.padEnd(12)} ${value}`);
  if (s.reachability.state === 'unreachable' || !s.tls) {
    out.push(`${endpoint(s)}  UNREACHABLE`);
    row('reason', `${s.reachability.reason ?? 'unknown'} (phase ${s.reachability.phase ?? '?'})`);
    if (s.reachability.detail) row('detail', s.reachability.detail);
    if (s.target.address) row('address', s.target.address);
    return `${out.join('\n')}\n`;
  }
  const tls = s.tls;
  const g = s.grade;
  const gradeText = g
    ? g.grade === g.configuration_grade
      ? g.grade
      : `${g.grade} (configuration ${g.configuration_grade})`
    : 'none';
  out.push(`${endpoint(s)}  grade ${gradeText}`);
  const kx = tls.negotiated_kx?.group ?? tls.negotiated_kx?.type ?? '';
  row(
    'connection',
    `${s.target.address ?? '?'} · ${tls.negotiated_protocol} ${tls.negotiated_cipher}${kx ? ` (${kx})` : ''} · ${s.latency.total_ms} ms`,
  );
  const leaf = tls.chain[0];
  if (leaf) {
    const days = daysLeft(leaf.not_after, now);
    row('subject', leaf.subject);
    row('issuer', leaf.issuer);
    row('SANs', leaf.sans.join(', ') || '(none)');
    row(
      'valid',
      `${leaf.not_before} → ${leaf.not_after} (${days < 0 ? `expired ${-days} days ago` : `${days} days left`})`,
    );
    const curve = leaf.key.curve ? ` ${leaf.key.curve}` : '';
    row(
      'key',
      `${leaf.key.algorithm} ${leaf.key.bits ?? '?'} bits${curve} · signature ${leaf.signature.algorithm}`,
    );
    row('serial', leaf.serial);
    row('sha256', leaf.fingerprint_sha256);
  }
  const rest = tls.chain.slice(1);
  row('chain', rest.length ? rest.map((c) => c.subject).join(' ← ') : '(leaf only)');
  const v = tls.validation;
  row(
    'trust',
    v.trusted ? 'trusted' : `NOT TRUSTED: ${v.problems.join(', ')}${v.detail ? ` — ${v.detail}` : ''}`,
  );
  row('hostname', tls.hostname_match ? 'matches' : `MISMATCH for ${s.target.hostname}`);
  const versions: TlsVersion[] = ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
  row(
    'protocols',
    versions
      .map(
        (p) =>
          `${p} ${tls.protocols[p] === 'accepted' ? 'yes' : tls.protocols[p] === 'rejected' ? 'no' : tls.protocols[p]}`,
      )
      .join(' · '),
  );
  const suiteRows = versions.filter((p) => tls.ciphers[p]?.length);
  suiteRows.forEach((p, i) => {
    const names = tls.ciphers[p]!.map(
      (c) => `${c.name}${c.kx?.bits ? ` (${c.kx.group ?? c.kx.type} ${c.kx.bits})` : ''}`,
    );
    row(i === 0 ? 'suites' : '', `${p}: ${names.join(', ')}`);
  });
  if (!tls.posture_probed) row('suites', '(not probed: certificate check only)');
  row(
    'OCSP',
    tls.ocsp.stapled ? `stapled (${tls.ocsp.status ?? tls.ocsp.error ?? 'unknown'})` : 'not stapled',
  );
  if (s.http) {
    const h = s.http.hsts;
    const hsts = h.present
      ? `max-age=${h.max_age ?? '?'}${h.max_age ? ` (${Math.floor(h.max_age / 86400)} days)` : ''}${h.include_subdomains ? ' includeSubDomains' : ''}${h.preload ? ' preload' : ''}`
      : 'absent';
    row('HSTS', s.http.error ? `unknown (${s.http.error})` : hsts);
  }
  if (g) {
    row(
      'score',
      `${g.score.total} (protocol ${g.score.protocol}, key exchange ${g.score.key_exchange}, cipher ${g.score.cipher})`,
    );
    g.reasons.forEach((r, i) =>
      row(i === 0 ? 'reasons' : '', `${r.cap ? `[${r.cap}] ` : ''}${r.rule}: ${r.message}`),
    );
  }
  return `${out.join('\n')}\n`;
}
