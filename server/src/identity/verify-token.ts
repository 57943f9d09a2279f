import {
  createRemoteJWKSet,
  errors as joseErrors,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
  type FlattenedJWSInput,
} from 'jose';
import { z } from 'zod';
import { AuthError } from './errors.ts';

/**
 * Validates bearer access tokens from any OpenID Connect provider (the built-in one, Keycloak,
 * Okta, Entra ID, Auth0, …) the same way: signature against the issuer's JWKS, issuer, audience,
 * expiry and not-before with a small tolerance, and an allow-list of asymmetric algorithms (so an
 * attacker cannot pick HS256 with the public key as secret, or `none`).
 */
export type TokenVerifierOptions = {
  /** Expected `iss`, exactly as the provider writes it (no trailing-slash normalisation). */
  issuer: string;
  /** Accepted `aud` value(s); the token must name at least one. */
  audience: string | string[];
  /** JWKS location; when absent it is read from the issuer's discovery document. */
  jwksUri?: string;
  algorithms?: string[];
  clockToleranceSeconds?: number;
  /** Minimum time between JWKS fetches triggered by an unknown `kid`. Default 30 s. */
  refetchCooldownMs?: number;
  /** Keys are re-fetched at the latest after this long, even if all kids are known. Default 10 min. */
  keysMaxAgeMs?: number;
  /** Per HTTP request to the issuer (discovery, JWKS). Default 5 s. */
  timeoutMs?: number;
  clock?: () => Date;
};

/** Who a valid token speaks for, and what it allows. */
export type VerifiedToken = {
  issuer: string;
  subject: string;
  email?: string;
  name?: string;
  /** `client_id` or `azp`, when the provider includes one. */
  clientId?: string;
  scopes: string[];
  expiresAt: Date;
  /** The whole verified payload, for callers that need provider-specific claims. */
  claims: JWTPayload;
};

export type TokenVerifier = {
  /** Resolves with the token's identity or rejects with an {@link AuthError}; never anything else for bad input. */
  verify(token: string | undefined): Promise<VerifiedToken>;
};

export const DEFAULT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const discoverySchema = z.object({ issuer: z.string(), jwks_uri: z.url() });

const optionalClaims = z.object({
  email: z.string().optional().catch(undefined),
  name: z.string().optional().catch(undefined),
  client_id: z.string().optional().catch(undefined),
  azp: z.string().optional().catch(undefined),
  scope: z.string().optional().catch(undefined),
  scp: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .catch(undefined),
});

/** Marks failures to obtain keys, which are the issuer's fault, not the token's. */
class KeySourceError extends Error {}

/**
 * Reads the issuer's discovery document and checks it names the same issuer (OpenID Connect
 * Discovery §4.3), so a document served from the wrong place cannot redirect key lookups.
 */
export async function discoverJwksUri(issuer: string, timeoutMs = 5000): Promise<string> {
  const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
  if (!res.ok) throw new Error(`discovery at ${url} answered ${res.status}`);
  const doc = discoverySchema.safeParse(await res.json());
  if (!doc.success) throw new Error(`discovery at ${url} has no valid issuer and jwks_uri`);
  if (doc.data.issuer !== issuer) {
    throw new Error(`discovery at ${url} names issuer ${doc.data.issuer}, expected ${issuer}`);
  }
  return doc.data.jwks_uri;
}

/** Builds a verifier; nothing is fetched until the first token arrives. */
export function createTokenVerifier(opts: TokenVerifierOptions): TokenVerifier {
  const timeoutMs = opts.timeoutMs ?? 5000;
  let keySet: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  const loadKeySet = () => {
    keySet ??= (async () => {
      const uri = opts.jwksUri ?? (await discoverJwksUri(opts.issuer, timeoutMs));
      return createRemoteJWKSet(new URL(uri), {
        timeoutDuration: timeoutMs,
        cooldownDuration: opts.refetchCooldownMs ?? 30_000,
        cacheMaxAge: opts.keysMaxAgeMs ?? 10 * 60_000,
      });
    })().catch((err: unknown) => {
      keySet = undefined; // try discovery again on the next token
      throw err;
    });
    return keySet;
  };

  const getKey = async (header: JWTHeaderParameters, input: FlattenedJWSInput) => {
    try {
      const jwks = await loadKeySet();
      return await jwks(header, input);
    } catch (err) {
      if (err instanceof joseErrors.JWKSNoMatchingKey || err instanceof joseErrors.JWKSMultipleMatchingKeys) {
        throw err;
      }
      throw new KeySourceError((err as Error).message, { cause: err });
    }
  };

  return {
    verify: async (token) => {
      if (!token) throw new AuthError('TOKEN_MISSING', 'No access token was given.');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, {
          issuer: opts.issuer,
          audience: opts.audience,
          algorithms: opts.algorithms ?? DEFAULT_ALGORITHMS,
          clockTolerance: opts.clockToleranceSeconds ?? 30,
          requiredClaims: ['sub', 'exp'],
          currentDate: opts.clock?.(),
        }));
      } catch (err) {
        throw toAuthError(err, opts.issuer);
      }
      const extra = optionalClaims.parse(payload);
      const scopes =
        extra.scope?.split(' ') ?? (typeof extra.scp === 'string' ? extra.scp.split(' ') : extra.scp) ?? [];
      return {
        issuer: opts.issuer,
        subject: payload.sub!,
        email: extra.email,
        name: extra.name,
        clientId: extra.client_id ?? extra.azp,
        scopes: scopes.filter(Boolean),
        expiresAt: new Date(payload.exp! * 1000),
        claims: payload,
      };
    },
  };
}

function toAuthError(err: unknown, issuer: string): AuthError {
  const options = { cause: err };
  if (err instanceof KeySourceError) {
    return new AuthError(
      'ISSUER_UNREACHABLE',
      `Cannot fetch the signing keys of ${issuer}: ${err.message}`,
      options,
    );
  }
  if (err instanceof joseErrors.JWTExpired)
    return new AuthError('TOKEN_EXPIRED', 'The access token has expired.', options);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return new AuthError('TOKEN_WRONG_ISSUER', `The access token was not issued by ${issuer}.`, options);
      case 'aud':
        return new AuthError('TOKEN_WRONG_AUDIENCE', 'The access token is not meant for this API.', options);
      case 'nbf':
        return new AuthError('TOKEN_NOT_YET_VALID', 'The access token is not valid yet.', options);
      default:
        return new AuthError(
          'TOKEN_INVALID',
          `The access token's ${err.claim} claim is invalid: ${err.reason}.`,
          options,
        );
    }
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) {
    return new AuthError(
      'TOKEN_UNKNOWN_KEY',
      `The access token is signed with a key ${issuer} does not publish.`,
      options,
    );
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new AuthError('TOKEN_INVALID', 'The access token signature is invalid.', options);
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new AuthError(
      'TOKEN_INVALID',
      'The access token uses a signing algorithm that is not allowed.',
      options,
    );
  }
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) {
    return new AuthError('TOKEN_MALFORMED', 'The access token is not a well-formed JWT.', options);
  }
  if (err instanceof joseErrors.JOSEError) {
    return new AuthError('TOKEN_INVALID', 'The access token could not be verified.', options);
  }
  throw err;
}
