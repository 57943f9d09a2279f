/**
 * Expected failures of the server program, each with a stable reason code and the original cause.
 * Bugs stay ordinary exceptions; these are the failures a user can act on, so their messages say
 * what is wrong and what to do.
 */
export type VigiloErrorCode =
  | 'CONFIG_INVALID'
  | 'PORT_IN_USE'
  | 'DATA_DIR_UNUSABLE'
  | 'DATA_DIR_NEWER'
  | 'DATA_DIR_HALF_INITIALISED'
  | 'DATA_DIR_LOCKED'
  | 'POSTGRES_FAILED'
  | 'MIGRATION_FAILED'
  | 'DATABASE_NEWER'
  | 'DATABASE_TOO_OLD';

export class VigiloError extends Error {
  override readonly name = 'VigiloError';
  constructor(
    readonly code: VigiloErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isVigiloError(err: unknown, code?: VigiloErrorCode): err is VigiloError {
  return err instanceof VigiloError && (code === undefined || err.code === code);
}
