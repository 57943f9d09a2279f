import { TRPCError } from '@trpc/server';
import type { Logger } from 'pino';
import { type MigrationStatus, migrationStatus } from '../db/migrate.ts';
import type { Services } from '../services.ts';
import { createDirectory, type Directory } from '../workspaces/directory.ts';
import { authenticate, type AuthenticateDeps } from './authenticate.ts';
import type { Principal } from './principal.ts';

/** What every procedure receives. Handlers reach tenant data only through `ctx.tx` (see init.ts). */
export type Context = {
  services: Services;
  log: Logger;
  requestId: string;
  /**
   * Authenticates the caller, afresh on every call: tRPC builds one context per WebSocket, so a
   * principal kept for the connection's life would outlive a revoked or expired credential, a
   * removed membership or a disabled account. authorize() calls it once per operation; calls
   * made while a check is running share it (a batch's procedures start together), so the bound
   * is "checked when the operation started".
   */
  principal: () => Promise<Principal>;
  /** The owner-pool reads and writes above any one workspace (workspaces/directory.ts). */
  directory: Directory;
  /** Where the database's schema stands against this build's migrations. */
  schemaStatus: () => Promise<MigrationStatus>;
};

export function createContext(
  services: Services,
  requestId: string,
  bearer: string | undefined,
  /** The client's address, for the limit on failed credential checks. */
  clientAddress: string,
): Context {
  let running: Promise<Principal> | undefined;
  return {
    services,
    log: services.log.child({ requestId }),
    requestId,
    directory: createDirectory(services.db.owner),
    schemaStatus: () => migrationStatus(services.db.owner, services.migrations),
    principal: () =>
      (running ??= checkCredential(services, bearer, clientAddress).finally(() => {
        running = undefined;
      })),
  };
}

/**
 * Authenticates the bearer, counting failures per client address: past the limit, the address
 * gets TOO_MANY_REQUESTS before any check (so it learns nothing), until the window moves on.
 */
async function checkCredential(
  services: Services,
  bearer: string | undefined,
  clientAddress: string,
): Promise<Principal> {
  const deps: AuthenticateDeps = {
    db: services.db,
    verifyAccessToken: services.verifyAccessToken,
    now: services.clock(),
    localIssuer: services.config.identity.issuer,
  };
  if (!bearer) return authenticate(bearer, deps);
  const limit = await services.credentialFailures.peek(clientAddress);
  if (!limit.allowed) {
    throw new TRPCError({
      code: 'TOO_MANY_REQUESTS',
      message: `too many failed credential checks from this address: try again in ${Math.ceil(limit.retryAfterMs / 1000)} s`,
    });
  }
  try {
    return await authenticate(bearer, deps);
  } catch (err) {
    if (err instanceof TRPCError && err.code === 'UNAUTHORIZED')
      await services.credentialFailures.hit(clientAddress);
    throw err;
  }
}

/** `Authorization: Bearer <token>` → the token, or undefined. */
export function bearerFrom(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match?.[1];
}
