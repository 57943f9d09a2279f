import type { Logger } from 'pino';
import type { Services } from '../services.ts';

/** What every procedure receives. Handlers reach the database only through `ctx.services`. */
export type Context = {
  services: Services;
  log: Logger;
  requestId: string;
};
