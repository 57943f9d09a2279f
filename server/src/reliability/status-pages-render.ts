import { escapeHtml } from '@vigilo/shared/html';
import {
  COMPONENT_STATE_LABELS,
  type ComponentState,
  NOTICE_STATUS_LABELS,
} from '@vigilo/shared/status-page';
import type { PublicDay, PublicNotice, PublicStatusPage } from './status-pages-public.ts';

/**
 * The public status page as plain HTML and CSS (no script), and its Atom feed. Every piece of text
 * goes through escapeHtml. Accessibility: one h1, h2 per section, h3 per item; each uptime bar is a
 * list whose days carry their figures in text (title and a visually hidden label), states are
 * spelled out and not only coloured; colours keep at least 4.5:1 contrast on white.
 */

const STATE_CLASS: Record<ComponentState, string> = {
  operational: 'ok',
  no_data: 'none',
  maintenance: 'maint',
  degraded: 'warn',
  partial_outage: 'warn',
  major_outage: 'bad',
};

const fmt = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function dayClass(d: PublicDay): string {
  if (d.total === 0) return 'none';
  const share = d.good / d.total;
  return share >= 0.999 ? 'ok' : share >= 0.95 ? 'warn' : 'bad';
}

function bars(days: PublicDay[]): string {
  return days
    .map((d) => {
      const text =
        d.total === 0
          ? `${d.day}: no data`
          : `${d.day}: ${((100 * d.good) / d.total).toFixed(2)} % up (${d.good} of ${d.total} checks)`;
      return `<li class="day ${dayClass(d)}" title="${escapeHtml(text)}"><span class="vh">${escapeHtml(text)}</span></li>`;
    })
    .join('');
}

function notice(n: PublicNotice): string {
  const when =
    n.kind === 'maintenance'
      ? `${fmt(n.startsAt)}${n.endsAt ? ` – ${fmt(n.endsAt)}` : ''}`
      : `Since ${fmt(n.startsAt)}${n.resolvedAt ? `, resolved ${fmt(n.resolvedAt)}` : ''}`;
  const affected = n.components.length
    ? `<p class="muted">Affects: ${n.components.map(escapeHtml).join(', ')}</p>`
    : '';
  const updates = n.updates
    .map(
      (u) =>
        `<li><strong>${escapeHtml(NOTICE_STATUS_LABELS[u.status] ?? u.status)}</strong> — ${escapeHtml(u.body)} <time datetime="${u.postedAt.toISOString()}" class="muted">${fmt(u.postedAt)}</time></li>`,
    )
    .join('');
  return `<article class="notice ${n.kind}"><h3>${escapeHtml(n.title)}</h3><p class="muted">${when}</p>${affected}<ol class="updates">${updates}</ol></article>`;
}

/** The page as HTML. `basePath` is /status/<slug>. */
export function renderStatusPage(page: PublicStatusPage, basePath: string): string {
  const worst = page.components.reduce<ComponentState>(
    (w, c) => (STATE_RANK[c.state] > STATE_RANK[w] ? c.state : w),
    'operational',
  );
  const overall =
    page.activeIncidents.length > 0 || STATE_RANK[worst] >= STATE_RANK.degraded
      ? { cls: STATE_CLASS[worst === 'operational' ? 'degraded' : worst], text: 'Some systems are affected' }
      : { cls: 'ok', text: 'All systems operational' };
  const components = page.components
    .map(
      (c) => `<li class="component">
  <div class="row"><h3>${escapeHtml(c.name)}</h3><span class="state ${STATE_CLASS[c.state]}">${COMPONENT_STATE_LABELS[c.state]}</span></div>
  <ol class="bars" aria-label="${escapeHtml(`${c.name}: uptime over the last 90 days`)}">${bars(c.days)}</ol>
  <p class="muted legend"><span>90 days ago</span><span>${c.uptime === null ? 'no data' : `${c.uptime.toFixed(2)} % uptime`}</span><span>Today</span></p>
</li>`,
    )
    .join('\n');
  const section = (id: string, title: string, items: PublicNotice[], empty: string) =>
    `<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${items.length ? items.map(notice).join('\n') : `<p class="muted">${empty}</p>`}</section>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} status</title>
${page.description ? `<meta name="description" content="${escapeHtml(page.description)}">` : ''}
<link rel="alternate" type="application/atom+xml" title="${escapeHtml(page.title)} status feed" href="${escapeHtml(basePath)}/feed.atom">
<style>
  :root { color-scheme: light; }
  body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1c2530; background: #fff; }
  main { max-width: 48rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
  h1 { font-size: 1.6rem; margin: 0 0 .25rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .75rem; }
  h3 { font-size: 1rem; margin: 0; }
  .muted { color: #4a5563; font-size: .9rem; margin: .25rem 0; }
  .banner { padding: .9rem 1rem; border-radius: 6px; font-weight: 600; margin: 1rem 0; color: #fff; }
  .banner.ok { background: #17683a; } .banner.warn { background: #8a4b00; } .banner.bad { background: #a11d12; }
  .banner.maint, .banner.none { background: #1d4f91; }
  ul.components { list-style: none; padding: 0; margin: 0; border: 1px solid #d5dae0; border-radius: 6px; }
  .component { padding: .9rem 1rem; border-top: 1px solid #d5dae0; } .component:first-child { border-top: 0; }
  .row { display: flex; justify-content: space-between; gap: 1rem; align-items: baseline; flex-wrap: wrap; }
  .state { font-weight: 600; font-size: .9rem; }
  .state.ok { color: #17683a; } .state.warn { color: #8a4b00; } .state.bad { color: #a11d12; }
  .state.maint, .state.none { color: #1d4f91; }
  .bars { display: flex; gap: 1px; list-style: none; padding: 0; margin: .6rem 0 0; height: 2rem; }
  .day { flex: 1; border-radius: 1px; min-width: 1px; }
  .day.ok { background: #2f9e5b; } .day.warn { background: #d98b00; } .day.bad { background: #c9372c; } .day.none { background: #d5dae0; }
  .legend { display: flex; justify-content: space-between; }
  .notice { border-left: 4px solid #8a4b00; padding: .25rem 0 .25rem .9rem; margin: 0 0 1.25rem; }
  .notice.maintenance { border-color: #1d4f91; }
  .updates { list-style: none; padding: 0; margin: .5rem 0 0; } .updates li { margin: .35rem 0; }
  .vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  footer { margin-top: 2.5rem; } a { color: #1d4f91; }
  @media (max-width: 30rem) { .bars { height: 1.5rem; } h1 { font-size: 1.35rem; } }
</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(page.title)}</h1>
${page.description ? `<p class="muted">${escapeHtml(page.description)}</p>` : ''}
<p class="banner ${overall.cls}" role="status">${overall.text}</p>
</header>
${section('incidents', 'Active incidents', page.activeIncidents, 'No active incidents.')}
<section aria-labelledby="components"><h2 id="components">Components</h2>
<ul class="components">
${components || '<li class="component muted">No components yet.</li>'}
</ul>
</section>
${section('maintenance', 'Scheduled maintenance', page.maintenance, 'No maintenance scheduled.')}
${page.recent.length ? section('recent', 'Recently resolved', page.recent, '') : ''}
<footer class="muted">Updated ${fmt(page.updatedAt)} · <a href="${escapeHtml(basePath)}/feed.atom">Atom feed</a></footer>
</main>
</body>
</html>
`;
}

const STATE_RANK: Record<ComponentState, number> = {
  operational: 0,
  no_data: 1,
  maintenance: 2,
  degraded: 3,
  partial_outage: 4,
  major_outage: 5,
};

/** The page's notices as an Atom feed (RFC 4287), newest change first. */
export function renderStatusFeed(page: PublicStatusPage, basePath: string): string {
  const notices = [...page.activeIncidents, ...page.maintenance, ...page.recent];
  const changed = (n: PublicNotice) => n.updates[0]?.postedAt ?? n.startsAt;
  notices.sort((a, b) => changed(b).getTime() - changed(a).getTime());
  const updated = notices[0] ? changed(notices[0]) : page.updatedAt;
  const entries = notices
    .map((n) => {
      const content = n.updates
        .map(
          (u) =>
            `<p><strong>${escapeHtml(NOTICE_STATUS_LABELS[u.status] ?? u.status)}</strong> (${fmt(u.postedAt)}): ${escapeHtml(u.body)}</p>`,
        )
        .join('');
      return `<entry>
<id>urn:uuid:${n.id}</id>
<title>${escapeHtml(`${n.kind === 'maintenance' ? 'Maintenance' : 'Incident'}: ${n.title}`)}</title>
<updated>${changed(n).toISOString()}</updated>
<published>${n.startsAt.toISOString()}</published>
<link rel="alternate" type="text/html" href="${escapeHtml(basePath)}"/>
<content type="html">${escapeHtml(content)}</content>
</entry>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>tag:vigilo,2026:status:${escapeHtml(page.slug)}</id>
<title>${escapeHtml(`${page.title} status`)}</title>
<updated>${updated.toISOString()}</updated>
<author><name>${escapeHtml(page.title)}</name></author>
<link rel="self" type="application/atom+xml" href="${escapeHtml(basePath)}/feed.atom"/>
<link rel="alternate" type="text/html" href="${escapeHtml(basePath)}"/>
${entries}
</feed>
`;
}
