import type { Logger } from 'pino';
import type { Services } from '../services.ts';
import { authenticate } from './authenticate.ts';
import type { Principal } from './principal.ts';

/** What every procedure receives. Handlers reach tenant data only through `ctx.tx` (see init.ts). */
export type Context = {
  services: Services;
  log: Logger;
  requestId: string;
  /** Authenticates the caller once per request (or WebSocket connection), on first use. */
  principal: () => Promise<Principal>;
};

export function createContext(services: Services, requestId: string, bearer: string | undefined): Context {
  let principal: Promise<Principal> | undefined;
  return {
    services,
    log: services.log.child({ requestId }),
    requestId,
    principal: () =>
      (principal ??= authenticate(bearer, {
        db: services.db,
        verifyAccessToken: services.verifyAccessToken,
        now: services.clock(),
      })),
  };
}

/** `Authorization: Bearer <token>` → the token, or undefined. */
export function bearerFrom(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match?.[1];
}
