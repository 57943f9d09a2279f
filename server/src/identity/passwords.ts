import { type Algorithm, hash, parseOptions, verify } from '@node-rs/argon2';

/**
 * Argon2id cost parameters. The defaults are OWASP's Password Storage Cheat Sheet minimum for
 * argon2id (m = 19 MiB, t = 2, p = 1): about 20–40 ms per hash on a small server core, which
 * bounds how fast a stolen table can be guessed while keeping sign-in snappy.
 */
export type PasswordHashParams = { memoryCost: number; timeCost: number; parallelism: number };

export const OWASP_ARGON2ID: PasswordHashParams = Object.freeze({
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

// `Algorithm` is an ambient const enum, which isolatedModules forbids reading; 2 is Argon2id.
const ARGON2ID = 2 as Algorithm;

/** Longer inputs only cost CPU and memory; no human types a password this long. */
export const MAX_PASSWORD_LENGTH = 1024;

/** Hashes a password with argon2id and a fresh random salt; returns the PHC string to store. */
export async function hashPassword(
  password: string,
  params: PasswordHashParams = OWASP_ARGON2ID,
): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError('password too long');
  return hash(password, { algorithm: ARGON2ID, ...params });
}

/**
 * Checks a password against a stored PHC string in constant time (argon2's own comparison).
 * A malformed stored hash counts as a mismatch rather than an exception, so a damaged row can
 * never let anyone in and never crashes the sign-in path.
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/**
 * True when a stored hash was made with weaker settings than `params` (or another algorithm),
 * so the caller should re-hash the password it just verified and store the new hash.
 */
export function needsRehash(stored: string, params: PasswordHashParams = OWASP_ARGON2ID): boolean {
  try {
    const current = parseOptions(stored);
    return (
      current.algorithm !== ARGON2ID ||
      current.memoryCost < params.memoryCost ||
      current.timeCost < params.timeCost ||
      current.parallelism !== params.parallelism
    );
  } catch {
    return true;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification against a throw-away hash. Used when the account
 * does not exist, so response time does not tell an attacker which emails have accounts.
 */
export async function burnVerificationTime(password: string): Promise<void> {
  dummyHash ??= hashPassword('vigilo-timing-equaliser');
  await verifyPassword(await dummyHash, password.slice(0, MAX_PASSWORD_LENGTH));
}
