import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

/**
 * The person's side of a sign-in, without a browser process: a fetch that keeps cookies, the
 * redirects followed by hand, the provider's form filled in, and the native app's PKCE pair and
 * loopback receiver (RFC 8252).
 */

/** Just enough of a browser's cookie store: name + path scoping, deletion by expiry. */
export class CookieJar {
  private cookies = new Map<string, { name: string; value: string; path: string }>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let cookiePath = '/';
      let expired = false;
      for (const attr of attrs) {
        const [k = '', v = ''] = attr.split('=');
        if (k.toLowerCase() === 'path') cookiePath = v;
        if (k.toLowerCase() === 'expires' && new Date(v).getTime() < Date.now()) expired = true;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      const key = `${name}|${cookiePath}`;
      if (expired || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path: cookiePath });
    }
  }

  header(url: string): string {
    const { pathname } = new URL(url);
    return [...this.cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

/** A fetch that keeps cookies and never follows redirects (the test follows them explicitly). */
export async function browse(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie) headers.set('cookie', cookie);
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(res);
  return res;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The desktop's side of RFC 8252: a loopback HTTP server on a random port that receives the code. */
export async function startLoopbackReceiver(): Promise<{
  redirectUri: string;
  received: Promise<URL>;
  close(): Promise<void>;
}> {
  let resolve: (u: URL) => void = () => {};
  const received = new Promise<URL>((r) => (resolve = r));
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
    if (url.pathname === '/callback') resolve(url);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return {
    redirectUri: `http://127.0.0.1:${address.port}/callback`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Follows redirects like a browser (GET, same cookie jar) until one leaves the server or a page
 * is shown. Returns the last response and the URL it came from.
 */
export async function followRedirects(jar: CookieJar, start: string, serverUrl: string) {
  let url = start;
  for (let i = 0; i < 10; i++) {
    const res = await browse(jar, url);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return { res, url };
    await res.arrayBuffer();
    url = new URL(location, url).href;
    if (!url.startsWith(serverUrl)) return { res, url, left: true as const };
  }
  throw new Error('too many redirects');
}

/** Pulls the form action out of the sign-in page. */
export function formAction(html: string): string {
  const match = /<form method="post" action="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no sign-in form in page:\n${html.slice(0, 500)}`);
  return match[1].replace(/&amp;/g, '&');
}

/**
 * Plays the person signing in: opens the provider's page at `authorizeUrl`, submits the form
 * with `email` and `password`, and follows the redirects to the app's loopback listener.
 */
export async function personSignsIn(
  serverUrl: string,
  authorizeUrl: string,
  email: string,
  password: string,
) {
  const jar = new CookieJar();
  const { res } = await followRedirects(jar, authorizeUrl, serverUrl);
  const posted = await browse(jar, new URL(formAction(await res.text()), serverUrl).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }).toString(),
  });
  const done = await followRedirects(
    jar,
    new URL(posted.headers.get('location')!, serverUrl).href,
    serverUrl,
  );
  await (await fetch(done.url)).text(); // the browser lands on the app's loopback listener
}
