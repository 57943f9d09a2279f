import type { FastifyInstance, FastifyReply } from 'fastify';
import { type DesktopApp, SessionError } from '../core/desktop-app.ts';
import { type PendingSignIn, SignInError } from '../core/session/oidc.ts';

/** How long a started sign-in may take before its answer is refused (the provider's own is 15 min). */
const PENDING_TTL_MS = 15 * 60_000;
/** Any page can send a tab to /auth/start: bound what that can make the host remember. */
const MAX_PENDING = 50;

/**
 * Sign-in for a browser tab (RFC 8252's loopback redirect, served by the host itself): the page
 * goes to `/auth/start`, which sends it to the provider with PKCE and a fresh state; the provider
 * sends it back to `/callback` (the path the `vigilo-desktop` client registers, on any loopback
 * port), where the code is exchanged and the workspace opened. Pending requests live in memory,
 * keyed by state: an answer that no request here is waiting for stores nothing.
 */
export function registerSignInRoutes(
  fastify: FastifyInstance,
  opts: { app: DesktopApp; redirectUri: () => string; clock?: () => Date },
): void {
  const now = () => (opts.clock ?? (() => new Date()))().getTime();
  const pending = new Map<string, { request: PendingSignIn; startedAt: number }>();
  const prune = () => {
    for (const [state, p] of pending) if (now() - p.startedAt > PENDING_TTL_MS) pending.delete(state);
  };

  fastify.get('/auth/start', async (_req, reply) => {
    prune();
    try {
      const request = await opts.app.beginSignIn(opts.redirectUri());
      pending.set(request.state, { request, startedAt: now() });
      // Maps iterate in insertion order: the first key is the oldest request.
      if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value ?? '');
      return await reply.header('cache-control', 'no-store').redirect(request.authorizeUrl, 302);
    } catch (err) {
      if (err instanceof SessionError) return page(reply, 409, 'Sign-in is not available', err.message);
      if (err instanceof SignInError) return page(reply, 502, 'Cannot sign in', `${err.message}.`);
      throw err;
    }
  });

  fastify.get<{ Querystring: Record<string, string | undefined> }>('/callback', async (req, reply) => {
    prune();
    const url = new URL(req.url, 'http://127.0.0.1');
    const state = url.searchParams.get('state') ?? '';
    const entry = pending.get(state);
    pending.delete(state);
    if (!entry) {
      const refused = url.searchParams.get('error');
      return page(
        reply,
        400,
        'Sign-in did not complete',
        refused
          ? `The identity provider refused: ${url.searchParams.get('error_description') ?? refused}.`
          : 'This answer does not belong to a sign-in started here (it expired, or was already used).',
      );
    }
    try {
      await opts.app.completeSignIn(entry.request, url);
    } catch (err) {
      if (err instanceof SignInError) return page(reply, 400, 'Sign-in did not complete', `${err.message}.`);
      throw err;
    }
    return reply.header('cache-control', 'no-store').redirect('/', 303);
  });
}

function page(reply: FastifyReply, status: number, title: string, message: string) {
  return reply
    .code(status)
    .headers({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    })
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
        `<body><h1>${escape(title)}</h1><p role="alert">${escape(message)}</p>` +
        '<p><a href="/auth/start">Sign in again</a> · <a href="/">Back to Vigilo</a></p></body></html>',
    );
}

function escape(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
