import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { StoredTokens } from './token-store.ts';

/** The desktop's public OIDC client (PKCE, loopback redirect): see server/src/identity/provider.ts. */
export const DESKTOP_CLIENT_ID = 'vigilo-desktop';
const SCOPE = 'openid email profile offline_access';

const discoverySchema = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
});
const tokenResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string().optional(),
  expires_in: z.number(),
});

/** A sign-in failure with a reason code and words a person can act on. */
export class SignInError extends Error {
  readonly reason: 'discovery' | 'cancelled' | 'state_mismatch' | 'provider_error' | 'token_exchange';
  constructor(reason: SignInError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SignInError';
    this.reason = reason;
  }
}

/**
 * Native-app sign-in (RFC 8252): authorization code + PKCE S256, redirect to a one-shot HTTP
 * listener on 127.0.0.1 at a free port. `openBrowser` shows the provider's page (the system
 * browser in Electron, a tab in the host); the promise resolves with the tokens.
 */
export async function signInWithBrowser(opts: {
  issuer: string;
  serverUrl: string;
  openBrowser: (url: string) => void | Promise<void>;
  fetch?: typeof globalThis.fetch;
  clock?: () => Date;
  /** Where the browser lands after signing in (shown by the loopback listener). */
  doneUrl?: string;
}): Promise<StoredTokens> {
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const disc = await discover(opts.issuer, fetchFn);
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const state = randomBytes(16).toString('base64url');

  const received = loopbackReceiver(opts.doneUrl);
  const redirectUri = await received.ready;
  try {
    const url = new URL(disc.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: DESKTOP_CLIENT_ID,
      response_type: 'code',
      scope: SCOPE,
      // offline_access (a refresh token) needs prompt=consent (OpenID Connect Core §11).
      prompt: 'consent',
      redirect_uri: redirectUri,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
    }).toString();
    await opts.openBrowser(url.href);
    const callback = await received.callback;
    if (callback.searchParams.get('error')) {
      throw new SignInError(
        'provider_error',
        `the identity provider refused: ${callback.searchParams.get('error_description') ?? callback.searchParams.get('error')}`,
      );
    }
    if (callback.searchParams.get('state') !== state) {
      throw new SignInError('state_mismatch', 'the sign-in answer did not belong to this sign-in: try again');
    }
    const code = callback.searchParams.get('code');
    if (!code) throw new SignInError('provider_error', 'the identity provider sent no authorization code');
    return await exchange(disc.token_endpoint, fetchFn, opts, {
      grant_type: 'authorization_code',
      client_id: DESKTOP_CLIENT_ID,
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
  } finally {
    received.close();
  }
}

/** Uses the refresh token for a new access token (rotating the refresh token when given one). */
export async function refreshTokens(
  tokens: StoredTokens,
  opts: { fetch?: typeof globalThis.fetch; clock?: () => Date } = {},
): Promise<StoredTokens> {
  if (!tokens.refreshToken) throw new SignInError('token_exchange', 'no refresh token: sign in again');
  const fetchFn = opts.fetch ?? globalThis.fetch;
  const disc = await discover(tokens.issuer, fetchFn);
  const next = await exchange(
    disc.token_endpoint,
    fetchFn,
    { ...opts, issuer: tokens.issuer, serverUrl: tokens.serverUrl },
    {
      grant_type: 'refresh_token',
      client_id: DESKTOP_CLIENT_ID,
      refresh_token: tokens.refreshToken,
    },
  );
  return { ...next, refreshToken: next.refreshToken ?? tokens.refreshToken };
}

/** Gives a valid access token, refreshing a minute before expiry; undefined when signed out. */
export function tokenSource(
  store: { load(): StoredTokens | undefined; save(t: StoredTokens): void },
  opts: { fetch?: typeof globalThis.fetch; clock?: () => Date } = {},
): () => Promise<string | undefined> {
  const clock = opts.clock ?? (() => new Date());
  let refreshing: Promise<StoredTokens> | undefined;
  return async () => {
    const tokens = store.load();
    if (!tokens) return undefined;
    if (new Date(tokens.expiresAt).getTime() - 60_000 > clock().getTime()) return tokens.accessToken;
    if (!tokens.refreshToken) return tokens.accessToken;
    refreshing ??= refreshTokens(tokens, opts).finally(() => (refreshing = undefined));
    try {
      const next = await refreshing;
      store.save(next);
      return next.accessToken;
    } catch {
      // Offline or refused: hand out the old token; the server will say if it is no longer good.
      return tokens.accessToken;
    }
  };
}

async function discover(issuer: string, fetchFn: typeof globalThis.fetch) {
  try {
    const res = await fetchFn(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return discoverySchema.parse(await res.json());
  } catch (err) {
    throw new SignInError('discovery', `cannot reach the identity provider at ${issuer}`, { cause: err });
  }
}

async function exchange(
  endpoint: string,
  fetchFn: typeof globalThis.fetch,
  opts: { issuer: string; serverUrl: string; clock?: () => Date },
  body: Record<string, string>,
): Promise<StoredTokens> {
  const res = await fetchFn(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  const parsed = tokenResponseSchema.safeParse(json);
  if (!res.ok || !parsed.success) {
    throw new SignInError(
      'token_exchange',
      `the identity provider refused the sign-in: ${JSON.stringify(json.error_description ?? json.error ?? res.status)}`,
    );
  }
  const now = (opts.clock ?? (() => new Date()))();
  return {
    issuer: opts.issuer,
    serverUrl: opts.serverUrl,
    accessToken: parsed.data.access_token,
    ...(parsed.data.refresh_token ? { refreshToken: parsed.data.refresh_token } : {}),
    expiresAt: new Date(now.getTime() + parsed.data.expires_in * 1000).toISOString(),
  };
}

/** A one-shot listener for the redirect on 127.0.0.1 (any free port, as RFC 8252 §7.3 allows). */
function loopbackReceiver(doneUrl: string | undefined) {
  let resolve!: (u: URL) => void;
  const callback = new Promise<URL>((r) => (resolve = r));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    if (doneUrl) res.writeHead(303, { location: doneUrl }).end();
    else
      res
        .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
        .end('Signed in to Vigilo. You can close this tab.');
    resolve(url);
  });
  const ready = new Promise<string>((r, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      r(`http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`),
    );
  });
  return { ready, callback, close: () => server.close() };
}
