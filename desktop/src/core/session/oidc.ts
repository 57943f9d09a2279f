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
  revocation_endpoint: z.string().optional(),
});
const tokenResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string().optional(),
  id_token: z.string().optional(),
  expires_in: z.number(),
});
/** Claims read from a token for display only (who is signed in); the server verifies tokens. */
// `sub` names the person stably (emails change): the desktop keys their replicas by it. The ID
// token comes straight from the provider's token endpoint, never through the browser.
/** How long signing out waits for the provider to revoke the refresh token. */
const REVOKE_TIMEOUT_MS = 5_000;

const displayClaimsSchema = z.object({
  sub: z.string().optional(),
  email: z.string().optional(),
  name: z.string().optional(),
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
 * One authorization request in flight: what the answer must carry (state) and what proves it was
 * us who asked (the PKCE verifier). Kept by whoever receives the redirect, never sent anywhere.
 */
export type PendingSignIn = {
  issuer: string;
  serverUrl: string;
  /** Where to send the person: the provider's authorization endpoint with our parameters. */
  authorizeUrl: string;
  redirectUri: string;
  state: string;
  verifier: string;
  tokenEndpoint: string;
};

type Http = { fetch?: typeof globalThis.fetch; clock?: () => Date };

/**
 * Starts an authorization code + PKCE (S256) request for `redirectUri`. Shared by the loopback
 * flow below (Electron, the standalone host) and the host's own /callback route.
 */
export async function beginSignIn(
  opts: Http & { issuer: string; serverUrl: string; redirectUri: string },
): Promise<PendingSignIn> {
  const disc = await discover(opts.issuer, opts.fetch ?? globalThis.fetch);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const url = new URL(disc.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: DESKTOP_CLIENT_ID,
    response_type: 'code',
    scope: SCOPE,
    // login: "Sign in" always asks who is signing in, so signing out really ends the session on
    // this device even while the provider still remembers the browser. consent: offline_access
    // (a refresh token) needs it (OpenID Connect Core §11); Vigilo's provider grants it silently.
    prompt: 'login consent',
    redirect_uri: opts.redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state,
  }).toString();
  return {
    issuer: opts.issuer,
    serverUrl: opts.serverUrl,
    authorizeUrl: url.href,
    redirectUri: opts.redirectUri,
    state,
    verifier,
    tokenEndpoint: disc.token_endpoint,
  };
}

/**
 * Reads the provider's answer (the redirect URL with code or error), checks it belongs to
 * `pending`, and exchanges the code for tokens. Throws a {@link SignInError}; stores nothing.
 */
export async function completeSignIn(
  pending: PendingSignIn,
  callback: URL,
  opts: Http = {},
): Promise<StoredTokens> {
  const params = callback.searchParams;
  if (params.get('error')) {
    throw new SignInError(
      'provider_error',
      `the identity provider refused: ${params.get('error_description') ?? params.get('error')}`,
    );
  }
  if (params.get('state') !== pending.state) {
    throw new SignInError('state_mismatch', 'the sign-in answer did not belong to this sign-in: try again');
  }
  const code = params.get('code');
  if (!code) throw new SignInError('provider_error', 'the identity provider sent no authorization code');
  return exchange(pending.tokenEndpoint, opts, pending, {
    grant_type: 'authorization_code',
    client_id: DESKTOP_CLIENT_ID,
    code,
    redirect_uri: pending.redirectUri,
    code_verifier: pending.verifier,
  });
}

/**
 * Native-app sign-in (RFC 8252): authorization code + PKCE S256, redirect to a one-shot HTTP
 * listener on 127.0.0.1 at a free port. `openBrowser` shows the provider's page (the system
 * browser in Electron, a printed URL for the standalone host); resolves with the tokens.
 */
export async function signInWithBrowser(
  opts: Http & {
    issuer: string;
    serverUrl: string;
    openBrowser: (url: string) => void | Promise<void>;
    /** Where the browser lands after signing in (shown by the loopback listener). */
    doneUrl?: string;
  },
): Promise<StoredTokens> {
  const received = loopbackReceiver(opts.doneUrl);
  try {
    const pending = await beginSignIn({ ...opts, redirectUri: await received.ready });
    await opts.openBrowser(pending.authorizeUrl);
    return await completeSignIn(pending, await received.callback, opts);
  } finally {
    received.close();
  }
}

/** Uses the refresh token for a new access token (rotating the refresh token when given one). */
export async function refreshTokens(tokens: StoredTokens, opts: Http = {}): Promise<StoredTokens> {
  if (!tokens.refreshToken) throw new SignInError('token_exchange', 'no refresh token: sign in again');
  const disc = await discover(tokens.issuer, opts.fetch ?? globalThis.fetch);
  const next = await exchange(disc.token_endpoint, opts, tokens, {
    grant_type: 'refresh_token',
    client_id: DESKTOP_CLIENT_ID,
    refresh_token: tokens.refreshToken,
  });
  return {
    ...next,
    refreshToken: next.refreshToken ?? tokens.refreshToken,
    ...((next.user ?? tokens.user) ? { user: next.user ?? tokens.user } : {}),
  };
}

/**
 * Tells the provider the refresh token is no longer wanted (sign-out). Best effort: offline, the
 * tokens are forgotten locally all the same and the refresh token expires on its own.
 */
export async function revokeTokens(tokens: StoredTokens, opts: Http = {}): Promise<boolean> {
  if (!tokens.refreshToken) return false;
  const base = opts.fetch ?? globalThis.fetch;
  // Best effort, and bounded: a network that drops packets must not hold up signing out.
  const fetchFn: typeof globalThis.fetch = (input, init) =>
    base(input, { ...init, signal: AbortSignal.timeout(REVOKE_TIMEOUT_MS) });
  try {
    const disc = await discover(tokens.issuer, fetchFn);
    if (!disc.revocation_endpoint) return false;
    const res = await fetchFn(disc.revocation_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: DESKTOP_CLIENT_ID,
        token: tokens.refreshToken,
        token_type_hint: 'refresh_token',
      }).toString(),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Hands out the access token. `rejected` is the token the server just answered 401 to: if it is
 * still the stored one, a refresh is forced (once, shared by concurrent callers); if the store
 * already holds a newer one, that is returned without asking the provider again.
 */
export type TokenGetter = (opts?: { rejected?: string }) => Promise<string | undefined>;

/** Gives a valid access token, refreshing a minute before expiry or when the server refused it. */
export function tokenSource(
  store: { load(): StoredTokens | undefined; save(t: StoredTokens): void },
  opts: Http = {},
): TokenGetter {
  const clock = opts.clock ?? (() => new Date());
  let refreshing: Promise<StoredTokens> | undefined;
  return async (req = {}) => {
    const tokens = store.load();
    if (!tokens) return undefined;
    const refused = req.rejected !== undefined && req.rejected === tokens.accessToken;
    if (req.rejected !== undefined && !refused) return tokens.accessToken;
    const fresh = new Date(tokens.expiresAt).getTime() - 60_000 > clock().getTime();
    if ((fresh && !refused) || !tokens.refreshToken) return tokens.accessToken;
    refreshing ??= refreshTokens(tokens, opts)
      .then((next) => {
        // Signed out (or in as someone else) while the refresh was on the wire: keep that.
        if (store.load()?.refreshToken === tokens.refreshToken) store.save(next);
        return next;
      })
      .finally(() => (refreshing = undefined));
    try {
      return (await refreshing).accessToken;
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
  opts: Http,
  who: { issuer: string; serverUrl: string },
  body: Record<string, string>,
): Promise<StoredTokens> {
  let res: Response;
  try {
    res = await (opts.fetch ?? globalThis.fetch)(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body).toString(),
    });
  } catch (err) {
    throw new SignInError('token_exchange', 'cannot reach the identity provider', { cause: err });
  }
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  const parsed = tokenResponseSchema.safeParse(json);
  if (!res.ok || !parsed.success) {
    throw new SignInError(
      'token_exchange',
      `the identity provider refused the sign-in: ${JSON.stringify(json.error_description ?? json.error ?? res.status)}`,
    );
  }
  const now = (opts.clock ?? (() => new Date()))();
  const user = displayClaims(parsed.data.id_token) ?? displayClaims(parsed.data.access_token);
  return {
    issuer: who.issuer,
    serverUrl: who.serverUrl,
    accessToken: parsed.data.access_token,
    ...(parsed.data.refresh_token ? { refreshToken: parsed.data.refresh_token } : {}),
    expiresAt: new Date(now.getTime() + parsed.data.expires_in * 1000).toISOString(),
    ...(user ? { user } : {}),
  };
}

/** Subject, email and name from a JWT's payload, unverified: shown, and used to name local files, never to authorize. */
function displayClaims(jwt: string | undefined): StoredTokens['user'] {
  const payload = jwt?.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = displayClaimsSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return claims.sub || claims.email || claims.name ? claims : undefined;
  } catch {
    return undefined;
  }
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
