import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Secrets at rest (webhook signing secrets, SMTP passwords, integration keys): AES-256-GCM under
 * one server-wide key (DESIGN.md §4, §8). A sealed secret is a self-describing text token
 *
 *     v1.<keyId>.<iv, base64url>.<ciphertext ‖ 16-byte tag, base64url>
 *
 * so a column can hold it as text, a later format can sit beside it, and a key rotation can tell
 * which key sealed which row. The version and key id are authenticated (GCM additional data), as
 * is the optional caller context, so a token cannot be relabelled or moved to another row/field
 * without `open` noticing.
 *
 * Nothing in this file logs, and no error message carries a key, a plaintext or a token.
 */

export type SecretErrorCode =
  /** Not a token this code wrote (wrong shape, unknown version, bad base64). */
  | 'SECRET_MALFORMED'
  /** Sealed under a key that is not loaded: the server runs with a different VIGILO_SECRET_KEY. */
  | 'SECRET_KEY_UNKNOWN'
  /** Authentication failed: the token was altered, or the context differs from the sealing one. */
  | 'SECRET_UNREADABLE'
  /** VIGILO_SECRET_KEY is set but is not 32 bytes of base64/base64url. */
  | 'SECRET_KEY_INVALID'
  /** The key file in the data folder is unusable (size, permissions, not a file). */
  | 'SECRET_KEY_FILE_UNUSABLE'
  /** No key given and no data folder to keep one in (scaled mode without VIGILO_SECRET_KEY). */
  | 'SECRET_KEY_MISSING';

/** An expected failure around secrets, with a reason code; messages say what to do. */
export class SecretError extends Error {
  override readonly name = 'SecretError';
  constructor(
    readonly code: SecretErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isSecretError(err: unknown, code?: SecretErrorCode): err is SecretError {
  return err instanceof SecretError && (code === undefined || err.code === code);
}

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * A short public identifier of a key: a hash prefix, so it reveals nothing usable about the key
 * but lets `open` name the key a token needs.
 */
export function secretKeyId(key: Uint8Array): string {
  return createHash('sha256').update('vigilo-secret-key-id\0').update(key).digest('base64url').slice(0, 8);
}

/** Seals and opens secrets with AES-256-GCM. Build it once at start from {@link loadSecretKey}. */
export class SecretBox {
  readonly keyId: string;
  readonly #current: Buffer;
  readonly #keys: ReadonlyMap<string, Buffer>;

  /**
   * @param key the 32-byte key new tokens are sealed with.
   * @param options.previousKeys keys that may still have sealed stored tokens (during a rotation);
   *   they are used only to open.
   */
  constructor(key: Uint8Array, options: { previousKeys?: readonly Uint8Array[] } = {}) {
    const all = [key, ...(options.previousKeys ?? [])];
    const keys = new Map<string, Buffer>();
    for (const k of all) {
      if (k.length !== KEY_BYTES) {
        throw new SecretError(
          'SECRET_KEY_INVALID',
          `A secret key must be ${KEY_BYTES} bytes, got ${k.length}`,
        );
      }
      // Copy, so a caller zeroing or reusing its buffer cannot change ours.
      keys.set(secretKeyId(k), Buffer.from(k));
    }
    this.keyId = secretKeyId(key);
    this.#current = keys.get(this.keyId)!;
    this.#keys = keys;
  }

  /**
   * Encrypts `plaintext` under the current key with a fresh random 12-byte IV.
   *
   * @param options.context binds the token to where it is stored (e.g. `channel:<id>:secret`);
   *   `open` must be given the same context. Optional, but it stops a token copied into another
   *   row from decrypting there.
   */
  seal(plaintext: string, options: { context?: string } = {}): string {
    const iv = randomBytes(IV_BYTES);
    const header = `${VERSION}.${this.keyId}`;
    const cipher = createCipheriv('aes-256-gcm', this.#current, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(additionalData(header, options.context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${header}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /**
   * Decrypts a token from {@link seal}. Throws a SecretError: SECRET_MALFORMED for something that
   * is not such a token, SECRET_KEY_UNKNOWN when it was sealed under a key not loaded,
   * SECRET_UNREADABLE when it was altered or the context does not match.
   */
  open(token: string, options: { context?: string } = {}): string {
    const parts = token.split('.');
    const [version, keyId, ivText, bodyText] = parts;
    if (parts.length !== 4 || version === undefined || keyId === undefined) {
      throw new SecretError('SECRET_MALFORMED', 'Not a sealed secret (expected v1.<keyId>.<iv>.<data>)');
    }
    if (version !== VERSION) {
      throw new SecretError('SECRET_MALFORMED', `Sealed secret has unknown format version "${version}"`);
    }
    if (!ivText || !bodyText || !BASE64URL.test(ivText) || !BASE64URL.test(bodyText)) {
      throw new SecretError('SECRET_MALFORMED', 'Sealed secret is not valid base64url');
    }
    const iv = Buffer.from(ivText, 'base64url');
    const body = Buffer.from(bodyText, 'base64url');
    if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
      throw new SecretError('SECRET_MALFORMED', 'Sealed secret is truncated');
    }
    const key = this.#keys.get(keyId);
    if (key === undefined) {
      throw new SecretError(
        'SECRET_KEY_UNKNOWN',
        `Sealed secret needs key ${keyId}, but this server has key ${this.keyId}: ` +
          'start it with the VIGILO_SECRET_KEY (or data folder) that sealed the secret',
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(additionalData(`${version}.${keyId}`, options.context));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw new SecretError(
        'SECRET_UNREADABLE',
        'Sealed secret failed authentication: it was altered, or is opened in a different context',
        { cause },
      );
    }
  }
}

/** Header and context, length-prefixed so no two (header, context) pairs give the same bytes. */
function additionalData(header: string, context: string | undefined): Buffer {
  const ctx = context === undefined ? '' : `ctx:${context}`;
  return Buffer.from(`${header.length}:${header}|${ctx}`, 'utf8');
}

/** The variable {@link loadSecretKey} reads, named in its errors. */
export const SECRET_KEY_ENV = 'VIGILO_SECRET_KEY';
/** File name of the generated key inside the data folder. */
export const SECRET_KEY_FILE = 'secret.key';

export type LoadedSecretKey = {
  key: Buffer;
  /** Where it came from, safe to log; the key itself never is. */
  source: 'env' | 'file-existing' | 'file-created';
  /** The key file, when source is a file. */
  path?: string;
};

/**
 * Finds the server's secret key.
 *
 * - `envValue` (the value of VIGILO_SECRET_KEY) wins when set: base64 or base64url of exactly 32
 *   bytes, e.g. from `openssl rand -base64 32`. Scaled mode must use it, so every process shares
 *   one key.
 * - Otherwise, in single-machine mode, `<home>/secret.key`: created on first use with mode 0600
 *   (base64 text, so it can be moved into VIGILO_SECRET_KEY later), refused if it is not 32 bytes
 *   or other users can read it.
 *
 * Throws a SecretError naming the variable or file and what to do.
 */
export async function loadSecretKey(opts: {
  envValue: string | undefined;
  home: string | undefined;
}): Promise<LoadedSecretKey> {
  if (opts.envValue !== undefined && opts.envValue.trim() !== '') {
    return { key: decodeKey(opts.envValue, SECRET_KEY_ENV, 'SECRET_KEY_INVALID'), source: 'env' };
  }
  if (opts.home === undefined) {
    throw new SecretError(
      'SECRET_KEY_MISSING',
      `${SECRET_KEY_ENV} is not set: set it to 32 random bytes in base64 (openssl rand -base64 32), ` +
        'the same value on every server process',
    );
  }
  const file = path.join(path.resolve(opts.home), SECRET_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing) return { key: existing, source: 'file-existing', path: file };
  const created = await createKeyFile(file);
  return { ...created, path: file };
}

/**
 * Decodes base64/base64url text of a 32-byte key. Node's decoder silently skips bad characters,
 * so the alphabet is checked first; the message reports lengths, never the value.
 */
function decodeKey(text: string, name: string, code: SecretErrorCode): Buffer {
  const trimmed = text.trim();
  const wellFormed = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed);
  const key = wellFormed ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (!wellFormed || key.length !== KEY_BYTES) {
    const got = wellFormed ? `${key.length} bytes` : 'characters outside base64';
    throw new SecretError(
      code,
      `${name} must be ${KEY_BYTES} random bytes in base64 or base64url (44 characters, e.g. from ` +
        `openssl rand -base64 32); got ${trimmed.length} characters (${got})`,
    );
  }
  return key;
}

/** Reads and checks an existing key file; undefined when there is none yet. */
async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let handle: fs.FileHandle;
  try {
    // O_NOFOLLOW: a symlink planted in the data folder must not redirect where the key comes from.
    handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw new SecretError(
      'SECRET_KEY_FILE_UNUSABLE',
      `Cannot read the secret key file ${file} (${describeErrno(err)}): ` +
        'make it a regular file readable by the user running Vigilo, or set VIGILO_SECRET_KEY',
      { cause: err },
    );
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      throw new SecretError('SECRET_KEY_FILE_UNUSABLE', `The secret key file ${file} is not a regular file`);
    }
    // Windows has no POSIX mode bits to check; the data folder's ACL protects it there.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new SecretError(
        'SECRET_KEY_FILE_UNUSABLE',
        `The secret key file ${file} has mode ${mode}, so other users can read it: ` +
          `run chmod 600 ${file} (and consider the key exposed if others could read it)`,
      );
    }
    if (stat.size > 1024) {
      throw new SecretError(
        'SECRET_KEY_FILE_UNUSABLE',
        `The secret key file ${file} is ${stat.size} bytes; it should hold 44 base64 characters`,
      );
    }
    const text = await handle.readFile('utf8');
    try {
      return decodeKey(text, `The secret key file ${file}`, 'SECRET_KEY_FILE_UNUSABLE');
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new SecretError(
        'SECRET_KEY_FILE_UNUSABLE',
        `${why}. Restore the file from backup: secrets sealed under the old key cannot be opened without it`,
        { cause: err },
      );
    }
  } finally {
    await handle.close();
  }
}

/**
 * Writes a fresh key atomically: a private temp file, fsync, then a hard link to the final name.
 * Unlike rename, link fails if the name exists, so two processes starting together cannot each
 * install a key and leave half the secrets unreadable; the loser reads the winner's key.
 */
async function createKeyFile(
  file: string,
): Promise<{ key: Buffer; source: 'file-existing' | 'file-created' }> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  const tmp = path.join(dir, `.${SECRET_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(`${key.toString('base64')}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(tmp, file);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      const theirs = await readKeyFile(file);
      if (theirs) return { key: theirs, source: 'file-existing' };
      throw err;
    }
    await syncDir(dir);
    return { key, source: 'file-created' };
  } catch (err) {
    if (err instanceof SecretError) throw err;
    throw new SecretError(
      'SECRET_KEY_FILE_UNUSABLE',
      `Cannot create the secret key file ${file} (${describeErrno(err)}): ` +
        'make the data folder writable by the user running Vigilo, or set VIGILO_SECRET_KEY',
      { cause: err },
    );
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Makes the new directory entry durable; best effort where directories cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot fsync a directory; the key file itself was already synced.
  } finally {
    await handle?.close();
  }
}

function isErrno(err: unknown, code: string): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === code;
}

function describeErrno(err: unknown): string {
  if (err instanceof Error) return (err as NodeJS.ErrnoException).code ?? err.message;
  return String(err);
}
