import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { z } from 'zod';
import { IdentityError } from './errors.ts';

/**
 * The built-in provider's secrets: its private signing keys (a JWK set; the public half is served
 * at /oidc/jwks) and the keys that sign its cookies.
 *
 * Why a file and not a table: the built-in provider is the single-machine default, where the data
 * folder already holds the other generated secrets with mode 0600. Keeping private keys out of
 * Postgres keeps them out of database dumps and replicas until the encrypted-secrets module can
 * wrap them; a scaled deployment normally uses an external IdP, and one that keeps the built-in
 * provider shares this file between its servers like any other secret.
 */
export type ProviderKeys = {
  /** Private JWKs; the first of each algorithm signs, the others still verify (rotation). */
  jwks: { keys: JWK[] };
  cookieKeys: string[];
};

export const KEYS_FILE_NAME = 'oidc-jwks.json';

const privateJwk = z
  .object({
    kty: z.enum(['RSA', 'EC', 'OKP']),
    kid: z.string().min(1),
    alg: z.string().min(1),
    d: z.string().min(1),
  })
  .loose();

const fileSchema = z.object({
  version: z.literal(1),
  keys: z.array(privateJwk).min(1),
  cookieKeys: z.array(z.string().min(32)).min(1),
});

/** Generates a fresh key set: RS256 (the OIDC default every client supports) and ES256. */
export async function generateProviderKeys(): Promise<ProviderKeys> {
  const keys: JWK[] = [];
  for (const alg of ['RS256', 'ES256'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
    const jwk = await exportJWK(privateKey);
    const kid = await calculateJwkThumbprint(jwk);
    keys.push({ ...jwk, kid, alg, use: 'sig' });
  }
  return { jwks: { keys }, cookieKeys: [randomBytes(32).toString('base64url')] };
}

/**
 * Reads `<home>/oidc-jwks.json`, creating it on first use. Creation is atomic and race-safe: the
 * keys are written to a private temporary file (mode 0600 from the first byte) and hard-linked
 * into place, which fails if another process got there first — then its keys are used. A file
 * readable by group or others is refused rather than trusted.
 */
export async function loadOrCreateProviderKeys(home: string): Promise<ProviderKeys> {
  const file = path.join(home, KEYS_FILE_NAME);
  const existing = await readKeysFile(file);
  if (existing) return existing;

  await mkdir(home, { recursive: true, mode: 0o700 });
  const keys = await generateProviderKeys();
  const body = `${JSON.stringify({ version: 1, keys: keys.jwks.keys, cookieKeys: keys.cookieKeys }, null, 2)}\n`;
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(body);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw keysUnusable(file, err);
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const stored = await readKeysFile(file);
  if (!stored) throw keysUnusable(file, new Error('file vanished after creation'));
  return stored;
}

async function readKeysFile(file: string): Promise<ProviderKeys | undefined> {
  let text: string;
  try {
    const info = await stat(file);
    if ((info.mode & 0o077) !== 0) {
      throw new IdentityError(
        'KEYS_UNUSABLE',
        `${file} holds private signing keys but is readable by other users; run: chmod 600 ${file}`,
      );
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (err instanceof IdentityError) throw err;
    throw keysUnusable(file, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text around the error: never let key material reach a message.
    throw keysUnusable(file, new Error('not valid JSON'));
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
    throw keysUnusable(file, new Error(`unexpected content at ${where}`));
  }
  return { jwks: { keys: parsed.data.keys }, cookieKeys: parsed.data.cookieKeys };
}

function keysUnusable(file: string, cause: unknown): IdentityError {
  return new IdentityError(
    'KEYS_UNUSABLE',
    `Cannot use the OpenID provider keys in ${file}: ${(cause as Error).message}. ` +
      'Restore the file from a backup, or move it away to generate new keys (signed-in users will have to sign in again).',
    { cause },
  );
}
