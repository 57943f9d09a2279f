import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { IdentityConfig } from './config.ts';
import { registerBuiltInProvider } from './http.ts';
import { loadOrCreateProviderKeys } from './keys.ts';
import { type BuiltInProvider, createBuiltInProvider } from './provider.ts';
import {
  type Clock,
  createMemoryRateLimiter,
  createRedisRateLimiter,
  createSignInThrottle,
  SIGN_IN_POLICIES,
  type SignInThrottle,
} from './rate-limit.ts';
import { registerWelcomePage } from './welcome.ts';
import { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from './verify-token.ts';

export type IdentityDeps = {
  config: IdentityConfig;
  /** Owner-role pool (identity tables are global; the welcome page opens transactions on it). */
  db: pg.Pool;
  log: Logger;
  /** Data folder; the built-in provider keeps its keys in `<home>/oidc-jwks.json`. */
  home: string;
  /** When given (REDIS_URL set), sign-in counts are shared by every server process. */
  redis?: Redis;
  clock?: Clock;
  /** Overrides for the token verifier (tests shorten the JWKS refetch cooldown). */
  verifier?: Partial<TokenVerifierOptions>;
  accessTokenTtlSeconds?: number;
};

/** The identity layer of one running server. */
export type Identity = {
  verifier: TokenVerifier;
  throttle: SignInThrottle;
  /** Present in single-machine mode (no external issuer configured). */
  builtIn: BuiltInProvider | undefined;
  /** Adds the built-in provider's routes (if any) to the HTTP server; call before listen. */
  register(app: FastifyInstance): Promise<void>;
};

/**
 * Assembles identity from configuration: the sign-in throttle (Redis when available, else in
 * process), the built-in provider when no external issuer is configured, and the token verifier
 * for whichever issuer is in charge.
 */
export async function createIdentity(deps: IdentityDeps): Promise<Identity> {
  const { config, log } = deps;
  const clock = deps.clock ?? Date.now;
  const throttle = createSignInThrottle(
    deps.redis
      ? {
          perAccount: createRedisRateLimiter(deps.redis, SIGN_IN_POLICIES.perAccount, { clock }),
          perIp: createRedisRateLimiter(deps.redis, SIGN_IN_POLICIES.perIp, { clock }),
        }
      : {
          perAccount: createMemoryRateLimiter(SIGN_IN_POLICIES.perAccount, { clock }),
          perIp: createMemoryRateLimiter(SIGN_IN_POLICIES.perIp, { clock }),
        },
  );
  const builtIn = config.builtInProvider
    ? createBuiltInProvider({
        issuer: config.issuer,
        db: deps.db,
        keys: await loadOrCreateProviderKeys(deps.home),
        log: log.child({ component: 'oidc' }),
        throttle,
        audience: config.audience,
        accessTokenTtlSeconds: deps.accessTokenTtlSeconds,
        trustProxy: config.trustProxy,
      })
    : undefined;
  const verifier = createTokenVerifier({
    issuer: config.issuer,
    audience: config.audience,
    jwksUri: config.jwksUri,
    algorithms: config.algorithms,
    ...deps.verifier,
  });
  return {
    verifier,
    throttle,
    builtIn,
    register: async (app) => {
      if (!builtIn) return;
      await registerBuiltInProvider(app, builtIn);
      await registerWelcomePage(app, { pool: deps.db, mountPath: builtIn.mountPath, throttle, clock });
    },
  };
}
