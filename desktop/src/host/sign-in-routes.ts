import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml } from '@vigilo/shared/html';
import { type DesktopApp, SessionError } from '../core/desktop-app.ts';
import { type PendingSignIn, SignInError } from '../core/session/oidc.ts';

/** How long a started sign-in may take before its answer is refused (the provider's own is 15 min). */
const PENDING_TTL_MS = 15 * 60_000;
/** How long a ticket from the page may wait before /auth/start is visited with it. */
const TICKET_TTL_MS = 2 * 60_000;
/** Bounds on what the host remembers (a page can ask for tickets only with the bridge key). */
const MAX_PENDING = 20;
const BINDING_COOKIE = 'vigilo_sign_in';

/**
 * Sign-in for a browser tab (RFC 8252's loopback redirect, served by the host itself). Only the
 * page holding the bridge key may start one: its keyed `session.signIn` call gets a one-time
 * ticket, and `/auth/start?ticket=…` sends the tab to the provider with PKCE and a fresh state,
 * setting a cookie that binds the answer to this browser. The provider sends the tab back to
 * `/callback` (the path the `vigilo-desktop` client registers, on any loopback port); only the
 * browser that started with a ticket can finish, so another local user or a web page cannot
 * sign the host in as someone else. Everything pending lives in memory and is used once.
 */
export function registerSignInRoutes(
  fastify: FastifyInstance,
  opts: { app: DesktopApp; redirectUri: () => string; clock?: () => Date },
): { ticket(): string } {
  const now = () => (opts.clock ?? (() => new Date()))().getTime();
  const tickets = new Map<string, number>();
  const pending = new Map<string, { request: PendingSignIn; binding: string; startedAt: number }>();
  const prune = () => {
    for (const [state, p] of pending) if (now() - p.startedAt > PENDING_TTL_MS) pending.delete(state);
    for (const [t, at] of tickets) if (now() - at > TICKET_TTL_MS) tickets.delete(t);
  };
  // Maps iterate in insertion order: the first key is the oldest.
  const bound = (map: Map<string, unknown>) => {
    while (map.size > MAX_PENDING) map.delete(map.keys().next().value ?? '');
  };

  fastify.get<{ Querystring: { ticket?: string } }>('/auth/start', async (req, reply) => {
    prune();
    const ticket = req.query.ticket ?? '';
    if (!tickets.delete(ticket)) {
      return page(
        reply,
        403,
        'Start signing in from Vigilo',
        'This sign-in link was not made by the Vigilo page, has expired, or was already used.',
      );
    }
    try {
      const request = await opts.app.beginSignIn(opts.redirectUri());
      const binding = randomBytes(24).toString('base64url');
      pending.set(request.state, { request, binding, startedAt: now() });
      bound(pending);
      return await reply
        .header('cache-control', 'no-store')
        .header(
          'set-cookie',
          `${BINDING_COOKIE}=${binding}; Path=/callback; HttpOnly; SameSite=Lax; Max-Age=${PENDING_TTL_MS / 1000}`,
        )
        .redirect(request.authorizeUrl, 302);
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
    const found = pending.get(state);
    // The answer must come back to the browser that started the sign-in (its binding cookie);
    // another one learns nothing and cannot use it up.
    const entry =
      found && sameSecret(cookie(req.headers.cookie, BINDING_COOKIE), found.binding) ? found : undefined;
    if (entry) {
      pending.delete(state);
      void reply.header(
        'set-cookie',
        `${BINDING_COOKIE}=; Path=/callback; HttpOnly; SameSite=Lax; Max-Age=0`,
      );
    }
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
      if (err instanceof SessionError) return page(reply, 409, 'Sign-in is not available', err.message);
      throw err;
    }
    return reply.header('cache-control', 'no-store').redirect('/', 303);
  });

  return {
    ticket: () => {
      prune();
      const ticket = randomBytes(24).toString('base64url');
      tickets.set(ticket, now());
      bound(tickets);
      return ticket;
    },
  };
}

/** One cookie's value from a Cookie header (the host sets only this one). */
function cookie(header: string | undefined, name: string): string {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return '';
}

function sameSecret(given: string, expected: string): boolean {
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
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
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
        `<body><h1>${escapeHtml(title)}</h1><p role="alert">${escapeHtml(message)}</p>` +
        '<p><a href="/">Back to Vigilo</a> (it offers signing in again)</p></body></html>',
    );
}
