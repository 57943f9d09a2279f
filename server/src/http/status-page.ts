import { escapeHtml } from '@vigilo/shared/html';

/** What the page at `/` links to. */
export type StatusPageLinks = {
  version: string;
  /** The OIDC issuer people sign in at (the built-in provider's, or an external one). */
  issuer: string;
  /** Whether the issuer is the built-in provider, whose `/welcome` page takes invitations' codes. */
  builtInProvider: boolean;
};

/** Where `npm start` serves the desktop host when its port is free (desktop/src/core/env.ts). */
const DEFAULT_DESKTOP = 'http://127.0.0.1:7310/';

/**
 * The page at `/`: the server's readiness, read live from /readyz, so a person who opens the
 * printed URL sees at once whether Vigilo works, and where to go next: the desktop (people work
 * there; it signs them in) and the sign-in pages. The desktop's own link carries a per-run key
 * only the terminal shows, so this page names its usual address and says to use the printed one.
 */
export function statusPage(links: StatusPageLinks): string {
  const { version, issuer } = links;
  const welcome = links.builtInProvider
    ? `<li>Invited by an admin, with a setup code? <a href="${escapeHtml(issuer)}/welcome">Choose your password</a>, then sign in from the desktop.</li>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Vigilo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 3rem auto; max-width: 40rem; color: #1c2530; }
  .state { font-weight: 600; } .ok { color: #17803d; } .bad { color: #b42318; }
  code { background: #f1f3f5; padding: 0 .25rem; border-radius: 3px; }
</style>
</head>
<body>
<h1>Vigilo</h1>
<p>Server ${escapeHtml(version)} — status: <span id="state" class="state">checking…</span></p>
<ul id="checks"></ul>
<h2>Get started</h2>
<ul>
<li><a href="${DEFAULT_DESKTOP}">Sign in to the Vigilo desktop</a>: signed out, it takes you to the sign-in page of
<code>${escapeHtml(issuer)}</code>. That is its usual address with <code>npm start</code>; the terminal prints the
exact link (<code>Vigilo desktop: http://127.0.0.1:…/#key=…</code>), which carries the key it needs. The first
start printed the owner account and its password.</li>
${welcome}
</ul>
<p>API: <code>/trpc</code> · Health: <code>/healthz</code>, <code>/readyz</code> · Metrics: <code>/metrics</code></p>
<script>
fetch('/readyz').then(r => r.json()).then(body => {
  const state = document.getElementById('state');
  state.textContent = body.status;
  state.className = 'state ' + (body.status === 'ready' ? 'ok' : 'bad');
  const list = document.getElementById('checks');
  for (const [name, check] of Object.entries(body.checks)) {
    const li = document.createElement('li');
    li.textContent = name + ': ' + (check.ok ? 'ok' : 'failing' + (check.detail ? ' (' + check.detail + ')' : ''));
    list.appendChild(li);
  }
}).catch(err => { document.getElementById('state').textContent = 'unreachable: ' + err.message; });
</script>
</body>
</html>
`;
}

/** The same page as plain text, for `Accept: text/plain` (curl, scripts, a terminal). */
export function statusText(links: StatusPageLinks): string {
  return [
    `Vigilo ${links.version}`,
    'Readiness: /readyz (health /healthz, metrics /metrics, API /trpc)',
    `Desktop: ${DEFAULT_DESKTOP} (usually; npm start prints the exact link with its key)`,
    `Sign-in (OIDC issuer): ${links.issuer}`,
    ...(links.builtInProvider ? [`Invited with a setup code: ${links.issuer}/welcome`] : []),
    '',
  ].join('\n');
}
