import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const storedTokensSchema = z.object({
  issuer: z.string(),
  serverUrl: z.string(),
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  /** ISO time the access token expires. */
  expiresAt: z.string(),
  /** Who signed in, as the provider's tokens said: for display only, the server decides. */
  user: z
    .object({ sub: z.string().optional(), email: z.string().optional(), name: z.string().optional() })
    .optional(),
});
export type StoredTokens = z.infer<typeof storedTokensSchema>;

/** Where tokens rest between runs. Electron swaps in a safeStorage-backed one; the host uses a file. */
export type TokenStore = {
  load(): StoredTokens | undefined;
  save(tokens: StoredTokens): void;
  clear(): void;
};

/**
 * Tokens in a file only the user can read (0600, folder 0700), replaced atomically so a crash
 * mid-write never leaves half a token. For the headless host and for Node without Electron.
 */
export function fileTokenStore(file: string): TokenStore {
  return {
    load() {
      try {
        return storedTokensSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        // Missing or unreadable: signed out (a corrupt file is never trusted).
        return undefined;
      }
    },
    save(tokens) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(tokens), { mode: 0o600 });
      chmodSync(tmp, 0o600);
      renameSync(tmp, file);
    },
    clear() {
      rmSync(file, { force: true });
    },
  };
}

/** Tokens held in memory only: an API token given on the command line, or tests. */
export function memoryTokenStore(initial?: StoredTokens): TokenStore {
  let tokens = initial;
  return {
    load: () => tokens,
    save: (t) => void (tokens = t),
    clear: () => void (tokens = undefined),
  };
}
