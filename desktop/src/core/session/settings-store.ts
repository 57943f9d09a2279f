import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const settingsSchema = z.object({
  /** The workspace last opened, per server URL: the next start opens it at once, even offline. */
  lastWorkspace: z.record(z.string(), z.string()).default({}),
});
export type DesktopSettings = z.infer<typeof settingsSchema>;

/** Small per-device preferences, next to the replicas. Never secret (tokens live elsewhere). */
export type SettingsStore = {
  load(): DesktopSettings;
  update(change: (s: DesktopSettings) => DesktopSettings): void;
};

/** Settings in `<dataDir>/settings.json`, replaced atomically; unreadable means defaults. */
export function fileSettingsStore(dataDir: string): SettingsStore {
  const file = path.join(dataDir, 'settings.json');
  const load = (): DesktopSettings => {
    try {
      return settingsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      // Missing or damaged: start from defaults rather than refuse to open.
      return settingsSchema.parse({});
    }
  };
  return {
    load,
    update(change) {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(change(load())));
      renameSync(tmp, file);
    },
  };
}
