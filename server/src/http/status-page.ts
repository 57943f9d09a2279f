import { escapeHtml } from '@vigilo/shared/html';

/**
 * The page at `/` until the desktop host serves the app: it shows the server's readiness, read
 * live from /readyz, so a person who opens the printed URL sees at once whether Vigilo works.
 */
export function statusPage(version: string): string {
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
