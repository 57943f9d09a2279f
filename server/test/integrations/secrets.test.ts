import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isSecretError,
  loadSecretKey,
  SecretBox,
  SecretError,
  secretKeyId,
} from '../../src/integrations/secrets.ts';

const key = randomBytes(32);
const box = new SecretBox(key);

function expectSecretError(fn: () => unknown, code: SecretError['code']): SecretError {
  try {
    fn();
  } catch (err) {
    expect(isSecretError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
    return err as SecretError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/** Flips one bit of the base64url segment `index` of a token. */
function tamper(token: string, index: number): string {
  const parts = token.split('.');
  const bytes = Buffer.from(parts[index]!, 'base64url');
  bytes[bytes.length - 1]! ^= 0x01;
  parts[index] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  it('round-trips text, including empty and non-ASCII, with a fresh IV each time', () => {
    for (const plain of ['', 'hunter2', 'whsec_' + 'x'.repeat(60), 'pässwörd ✓ 🔑']) {
      expect(box.open(box.seal(plain))).toBe(plain);
    }
    const a = box.seal('same');
    const b = box.seal('same');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('writes a versioned, self-describing token that does not contain the plaintext', () => {
    const token = box.seal('smtp-password-123');
    const [version, keyId, iv, data, extra] = token.split('.');
    expect(version).toBe('v1');
    expect(keyId).toBe(secretKeyId(key));
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(data!, 'base64url')).toHaveLength('smtp-password-123'.length + 16);
    expect(extra).toBeUndefined();
    expect(token).not.toContain('smtp-password');
    expect(token).toMatch(/^[A-Za-z0-9_.-]+$/);
  });

  it('refuses altered ciphertext, IV or tag as SECRET_UNREADABLE', () => {
    const token = box.seal('the secret');
    expectSecretError(() => box.open(tamper(token, 3)), 'SECRET_UNREADABLE');
    expectSecretError(() => box.open(tamper(token, 2)), 'SECRET_UNREADABLE');
    const cut = token.slice(0, -4);
    expect(() => box.open(cut)).toThrow(SecretError);
  });

  it('refuses a token opened under another key, naming both key ids but no key', () => {
    const token = new SecretBox(randomBytes(32)).seal('x');
    const err = expectSecretError(() => box.open(token), 'SECRET_KEY_UNKNOWN');
    expect(err.message).toContain(box.keyId);
    expect(err.message).not.toContain(key.toString('base64'));
    // A token relabelled with our key id fails authentication instead.
    const relabelled = token.split('.');
    relabelled[1] = box.keyId;
    expectSecretError(() => box.open(relabelled.join('.')), 'SECRET_UNREADABLE');
  });

  it('binds a token to its context', () => {
    const token = box.seal('pw', { context: 'channel:1:auth.password' });
    expect(box.open(token, { context: 'channel:1:auth.password' })).toBe('pw');
    expectSecretError(() => box.open(token, { context: 'channel:2:auth.password' }), 'SECRET_UNREADABLE');
    expectSecretError(() => box.open(token), 'SECRET_UNREADABLE');
  });

  it('reports malformed tokens as SECRET_MALFORMED', () => {
    for (const bad of ['', 'plain text', 'v2.abc.def.ghi', 'v1.abc.!!!.ghi', 'v1.a.b', 'v1.a.AAAA.AAAA']) {
      expectSecretError(() => box.open(bad), 'SECRET_MALFORMED');
    }
  });

  it('opens tokens of a previous key during a rotation, seals with the new one', () => {
    const oldKey = randomBytes(32);
    const oldToken = new SecretBox(oldKey).seal('old secret');
    const rotated = new SecretBox(randomBytes(32), { previousKeys: [oldKey] });
    expect(rotated.open(oldToken)).toBe('old secret');
    expect(rotated.seal('new').split('.')[1]).toBe(rotated.keyId);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});

describe('loadSecretKey', () => {
  let home: string;
  beforeEach(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'vigilo-secrets-'));
  });
  afterEach(async () => {
    await fs.rm(home, { recursive: true, force: true });
  });

  it('takes VIGILO_SECRET_KEY in base64 or base64url and writes no file', async () => {
    const k = randomBytes(32);
    expect((await loadSecretKey({ envValue: k.toString('base64'), home })).key).toEqual(k);
    const loaded = await loadSecretKey({ envValue: `${k.toString('base64url')}\n`, home });
    expect(loaded).toEqual({ key: k, source: 'env' });
    expect(await fs.readdir(home)).toEqual([]);
  });

  it('names the variable for a bad value, without echoing it', async () => {
    for (const bad of [
      randomBytes(16).toString('base64'),
      'not base64 at all!',
      randomBytes(33).toString('base64'),
    ]) {
      const err = await loadSecretKey({ envValue: bad, home }).catch((e: unknown) => e);
      expect(isSecretError(err, 'SECRET_KEY_INVALID')).toBe(true);
      expect((err as Error).message).toContain('VIGILO_SECRET_KEY');
      expect((err as Error).message).not.toContain(bad);
    }
  });

  it('asks for VIGILO_SECRET_KEY when there is no data folder', async () => {
    const err = await loadSecretKey({ envValue: '', home: undefined }).catch((e: unknown) => e);
    expect(isSecretError(err, 'SECRET_KEY_MISSING')).toBe(true);
    expect((err as Error).message).toContain('VIGILO_SECRET_KEY');
  });

  it('generates <home>/secret.key with mode 0600 once, then reuses it', async () => {
    const first = await loadSecretKey({ envValue: undefined, home });
    const file = path.join(home, 'secret.key');
    expect(first).toMatchObject({ source: 'file-created', path: file });
    expect(first.key).toHaveLength(32);
    const stat = await fs.stat(file);
    expect(stat.mode & 0o777).toBe(0o600);
    expect((await fs.readFile(file, 'utf8')).trim()).toBe(first.key.toString('base64'));
    expect(await fs.readdir(home)).toEqual(['secret.key']);
    const second = await loadSecretKey({ envValue: undefined, home });
    expect(second).toMatchObject({ source: 'file-existing', key: first.key });
    // The env variable wins over the file.
    const k = randomBytes(32);
    expect((await loadSecretKey({ envValue: k.toString('base64'), home })).key).toEqual(k);
  });

  it('creates the data folder if needed', async () => {
    const nested = path.join(home, 'a', 'b');
    const loaded = await loadSecretKey({ envValue: undefined, home: nested });
    expect(loaded.source).toBe('file-created');
  });

  it('gives every concurrent first start the same key', async () => {
    const all = await Promise.all(
      Array.from({ length: 8 }, () => loadSecretKey({ envValue: undefined, home })),
    );
    for (const loaded of all) expect(loaded.key).toEqual(all[0]!.key);
    expect(all.filter((l) => l.source === 'file-created')).toHaveLength(1);
    expect(await fs.readdir(home)).toEqual(['secret.key']);
  });

  it.skipIf(process.platform === 'win32')(
    'refuses a key file others can read, saying how to fix it',
    async () => {
      await loadSecretKey({ envValue: undefined, home });
      const file = path.join(home, 'secret.key');
      await fs.chmod(file, 0o644);
      const err = await loadSecretKey({ envValue: undefined, home }).catch((e: unknown) => e);
      expect(isSecretError(err, 'SECRET_KEY_FILE_UNUSABLE')).toBe(true);
      expect((err as Error).message).toContain(file);
      expect((err as Error).message).toContain('0644');
      expect((err as Error).message).toContain(`chmod 600 ${file}`);
    },
  );

  it('refuses a key file of the wrong size, and never overwrites it', async () => {
    const file = path.join(home, 'secret.key');
    const short = `${randomBytes(16).toString('base64')}\n`;
    await fs.writeFile(file, short, { mode: 0o600 });
    const err = await loadSecretKey({ envValue: undefined, home }).catch((e: unknown) => e);
    expect(isSecretError(err, 'SECRET_KEY_FILE_UNUSABLE')).toBe(true);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/16 bytes/);
    expect((err as Error).message).toMatch(/backup/);
    expect(await fs.readFile(file, 'utf8')).toBe(short);
  });

  it('refuses a key path that is a folder or a symlink', async () => {
    const file = path.join(home, 'secret.key');
    await fs.mkdir(file);
    let err = await loadSecretKey({ envValue: undefined, home }).catch((e: unknown) => e);
    expect(isSecretError(err, 'SECRET_KEY_FILE_UNUSABLE')).toBe(true);
    await fs.rmdir(file);
    const elsewhere = path.join(home, 'elsewhere.key');
    await fs.writeFile(elsewhere, randomBytes(32).toString('base64'), { mode: 0o600 });
    await fs.symlink(elsewhere, file);
    err = await loadSecretKey({ envValue: undefined, home }).catch((e: unknown) => e);
    expect(isSecretError(err, 'SECRET_KEY_FILE_UNUSABLE')).toBe(true);
  });
});
