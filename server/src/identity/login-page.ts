import { escapeHtml } from '@vigilo/shared/html';

/**
 * The built-in provider's only page: a plain server-rendered sign-in form. No scripts, so the
 * Content-Security-Policy can forbid them outright.
 */
export type LoginPageInput = {
  /** Where the form posts: the interaction's own URL, which its cookie is scoped to. */
  action: string;
  clientName: string;
  email?: string;
  error?: string;
};

/** Headers for every interaction page: never cached, never framed, no scripts. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  // No form-action: browsers apply it to the redirects after the POST too, and those end at the
  // app's loopback redirect URI.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
});

/** Renders the sign-in form, with the error of the last attempt if any. */
export function loginPage(input: LoginPageInput): string {
  const error = input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in to Vigilo</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:20rem}
h1{font-size:1.3rem;margin:0 0 .3rem}p.sub{color:#555;margin:0 0 1.2rem}
label{display:block;margin:.8rem 0 .3rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem}.error{color:#b00020}
</style>
</head>
<body>
<form method="post" action="${escapeHtml(input.action)}">
<h1>Sign in to Vigilo</h1>
<p class="sub">to continue to ${escapeHtml(input.clientName)}</p>
${error}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required autofocus value="${escapeHtml(input.email ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

/** A page for an interaction that cannot continue (expired, opened in another browser, …). */
export function messagePage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>
`;
}
