import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type ClientMetadata, errors } from 'oidc-provider';
import type { Logger } from 'pino';
import { escapeHtml } from '@vigilo/shared/html';
import type { ProviderKeys } from './keys.ts';
import { findLocalAccountById, type Queryable } from './local-accounts.ts';
import { createPostgresAdapterFactory } from './oidc-adapter.ts';
import type { SignInThrottle } from './rate-limit.ts';

/** The desktop app's client: public (no secret), PKCE S256, loopback redirect on any port. */
export const DESKTOP_CLIENT_ID = 'vigilo-desktop';

/** Default audience of access tokens the built-in provider issues for the Vigilo API. */
export const DEFAULT_API_AUDIENCE = 'vigilo-api';

/**
 * The resource indicator (RFC 8707) naming the Vigilo API. It must be an absolute URI, so it is
 * a URN; tokens issued for it carry `aud` = the configured audience. Clients may omit `resource`:
 * it is the default.
 */
export const API_RESOURCE = 'urn:vigilo:api';

export type BuiltInProviderOptions = {
  /** `<public URL>/oidc`; its path is where the provider is mounted. */
  issuer: string;
  /** Owner-role pool: the identity tables are global, not workspace-scoped. */
  db: Queryable;
  keys: ProviderKeys;
  log: Logger;
  throttle: SignInThrottle;
  audience?: string;
  /** Access token lifetime; short, since the desktop refreshes. Default 10 minutes. */
  accessTokenTtlSeconds?: number;
  /** Extra clients (e.g. for tests or a CLI); all are treated as first-party. */
  extraClients?: ClientMetadata[];
  /** Trust X-Forwarded-Proto/Host from a reverse proxy in front of the server. */
  trustProxy?: boolean;
};

/** What the HTTP layer needs from the built-in provider. */
export type BuiltInProvider = {
  provider: Provider;
  issuer: string;
  /** URL path prefix the provider is served under, e.g. `/oidc`. */
  mountPath: string;
  audience: string;
  db: Queryable;
  log: Logger;
  throttle: SignInThrottle;
  /** Client ids whose consent is granted without asking (Vigilo's own apps). */
  firstPartyClients: ReadonlySet<string>;
  /** Passes one raw request whose URL starts with `mountPath` to the provider. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
};

/** The desktop client's registration. The loopback URI matches any port (RFC 8252 §7.3). */
export const desktopClient: ClientMetadata = {
  client_id: DESKTOP_CLIENT_ID,
  client_name: 'Vigilo desktop',
  application_type: 'native',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  redirect_uris: ['http://127.0.0.1/callback'],
};

/**
 * Builds the OpenID provider that runs inside the server in single-machine mode: local accounts,
 * Postgres storage, JWT access tokens for the Vigilo API signed with the keys of
 * {@link loadOrCreateProviderKeys}. Mount it with `registerBuiltInProvider`.
 */
export function createBuiltInProvider(opts: BuiltInProviderOptions): BuiltInProvider {
  const issuer = opts.issuer.replace(/\/+$/, '');
  const mountPath = new URL(issuer).pathname.replace(/\/+$/, '');
  if (!mountPath) throw new TypeError('the issuer must have a path, e.g. https://vigilo.example/oidc');
  const audience = opts.audience ?? DEFAULT_API_AUDIENCE;
  const accessTokenTTL = opts.accessTokenTtlSeconds ?? 600;
  const clients = [desktopClient, ...(opts.extraClients ?? [])];
  const { db, log } = opts;

  const provider = new Provider(issuer, {
    adapter: createPostgresAdapterFactory(db),
    clients,
    jwks: opts.keys.jwks,
    cookies: { keys: opts.keys.cookieKeys },
    claims: { openid: ['sub'], email: ['email'], profile: ['name'] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== API_RESOURCE) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return { scope: 'api', audience, accessTokenFormat: 'jwt', accessTokenTTL };
        },
      },
    },
    // Put email and name into the API access token, so the API creates users from it exactly as
    // from an external IdP's token.
    extraTokenClaims: async (_ctx: unknown, token: { kind?: string; accountId?: string }) => {
      if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
      const account = await findLocalAccountById(db, token.accountId);
      return account ? { email: account.email, name: account.name } : undefined;
    },
    findAccount: async (_ctx: unknown, sub: string) => {
      const account = await findLocalAccountById(db, sub);
      if (!account || account.disabledAt) return undefined;
      return {
        accountId: account.id,
        claims: () => Promise.resolve({ sub: account.id, email: account.email, name: account.name }),
      };
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) => `${mountPath}/interaction/${interaction.uid}`,
    },
    // The desktop exchanges codes from its main process (Node), never from a web origin.
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) =>
        token.resourceServer?.accessTokenTTL ?? accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 15 * 60,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      RefreshToken: 14 * 24 * 3600,
    },
    renderError: (ctx: { type: string; body: string }, out: Record<string, unknown>) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><meta charset="utf-8"><title>Sign-in error</title>
<h1>Sign-in could not continue</h1>
${Object.entries(out)
  .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: ${escapeHtml(String(v))}</p>`)
  .join('\n')}
<p>Close this window and start the sign-in again from Vigilo.</p>`;
    },
  });
  provider.proxy = opts.trustProxy ?? false;

  // Protocol errors are the client's (a bad redirect_uri, a reused code): log their codes only.
  provider.on('server_error', (_ctx, err) => log.error({ err }, 'OpenID provider failed'));
  for (const event of ['authorization.error', 'grant.error', 'introspection.error', 'revocation.error']) {
    provider.on(event, (_ctx, err) => {
      const e = err as { error?: string; error_description?: string };
      log.info({ event, error: e.error, description: e.error_description }, 'OpenID request refused');
    });
  }

  const callback = provider.callback();
  return {
    provider,
    issuer,
    mountPath,
    audience,
    db,
    log,
    throttle: opts.throttle,
    firstPartyClients: new Set(clients.map((c) => c.client_id)),
    handle: async (req, res) => {
      // The provider routes on the path below its mount point and rebuilds its own URLs from
      // originalUrl (the same contract Express's app.use gives it).
      const url = req.url ?? '/';
      Object.assign(req, { originalUrl: url });
      req.url = url.slice(mountPath.length) || '/';
      await callback(req, res);
    },
  };
}
