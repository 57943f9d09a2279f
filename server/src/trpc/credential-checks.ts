import { TRPCError } from '@trpc/server';

/**
 * Pieces shared by the credential checks (authenticate.ts, api-token-check.ts): the one error
 * they answer with, and how to tell that a user's local account is disabled.
 */

/** The UNAUTHORIZED every failed credential check answers with. */
export function unauthorized(message: string, cause?: unknown): TRPCError {
  return new TRPCError({ code: 'UNAUTHORIZED', message, cause });
}

/** The shape of a local account's id; a subject of any other shape is never looked up. */
export const LOCAL_ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * SQL that is true when the user `userIdSql` is a disabled local account: a user of the server's
 * own issuer (`issuerParam`) whose subject is the account id (the built-in provider's `sub`). The
 * CASE guards the cast, so a subject of another shape is never cast to uuid.
 */
export function localAccountDisabledSql(userIdSql: string, issuerParam: string): string {
  return `EXISTS (SELECT 1 FROM users du JOIN local_accounts la
      ON la.id = CASE WHEN du.issuer = ${issuerParam}
                       AND du.subject ~* '${LOCAL_ACCOUNT_ID.source}'
                      THEN du.subject::uuid END
      WHERE du.id = ${userIdSql} AND la.disabled_at IS NOT NULL)`;
}
