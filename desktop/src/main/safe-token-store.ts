import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';
import { storedTokensSchema, type TokenStore } from '../core/session/token-store.ts';

/** Tokens encrypted with the OS keychain (Electron safeStorage), in a 0600 file. */
export function safeTokenStore(file: string): TokenStore {
  return {
    load() {
      try {
        return storedTokensSchema.parse(JSON.parse(safeStorage.decryptString(readFileSync(file))));
      } catch {
        return undefined;
      }
    },
    save(tokens) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, safeStorage.encryptString(JSON.stringify(tokens)), { mode: 0o600 });
    },
    clear() {
      rmSync(file, { force: true });
    },
  };
}
