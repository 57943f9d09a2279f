/**
 * Expected failures of the identity layer. Two families, kept apart because callers answer them
 * differently: {@link IdentityError} for local accounts and sign-in (a form re-rendered, a CLI
 * line), {@link AuthError} for bearer tokens (a 401 — or a 503 when the issuer is unreachable).
 * Messages never contain passwords, hashes or token values.
 */
export type IdentityErrorCode =
  | 'INPUT_INVALID'
  | 'ACCOUNT_EXISTS'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_DISABLED'
  | 'INVALID_CREDENTIALS'
  | 'RATE_LIMITED'
  | 'KEYS_UNUSABLE';

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
  /** Set with RATE_LIMITED: how long until another attempt may succeed. */
  readonly retryAfterMs: number | undefined;
}

/** True when `err` is an IdentityError, optionally with the given code. */
export function isIdentityError(err: unknown, code?: IdentityErrorCode): err is IdentityError {
  return err instanceof IdentityError && (code === undefined || err.code === code);
}

/**
 * Why a bearer token was refused. `ISSUER_UNREACHABLE` is the one that is not the caller's fault
 * (discovery or JWKS could not be fetched): answer it with 503, the others with 401.
 */
export type AuthErrorCode =
  | 'TOKEN_MISSING'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'TOKEN_WRONG_ISSUER'
  | 'TOKEN_WRONG_AUDIENCE'
  | 'TOKEN_UNKNOWN_KEY'
  | 'TOKEN_INVALID'
  | 'ISSUER_UNREACHABLE';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is an AuthError, optionally with the given code. */
export function isAuthError(err: unknown, code?: AuthErrorCode): err is AuthError {
  return err instanceof AuthError && (code === undefined || err.code === code);
}
