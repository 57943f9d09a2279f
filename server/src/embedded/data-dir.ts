import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { VigiloError } from '../errors.ts';

/** The layout version of the data folder this build writes and understands. */
export const DATA_DIR_FORMAT = 1;

const stateSchema = z.object({
  format: z.number().int().positive(),
  /** `initialising` until the first start has finished creating the database. */
  state: z.enum(['initialising', 'ready']),
  createdAt: z.string(),
  postgres: z.object({
    port: z.number().int().min(1).max(65535),
    major: z.number().int(),
    /**
     * Where the cluster's files are when not in `<home>/pg`: run as root from a folder the
     * `postgres` user cannot enter, they live in a folder it owns (see embedded/postgres.ts).
     */
    dataDir: z.string().min(1).optional(),
  }),
});
export type DataDirState = z.infer<typeof stateSchema>;

export type DataDir = {
  home: string;
  /** The cluster's folder: `<home>/pg`, or the one the state names. */
  pgData: string;
  stateFile: string;
  /** Undefined on the very first start. */
  state: DataDirState | undefined;
};

const FIX_HINT = `Choose another folder with VIGILO_HOME=/some/path, or fix this one (it must be a writable folder).`;

/**
 * Opens `$VIGILO_HOME`, creating it when absent, and checks it can hold our data. Never repairs or
 * re-initialises a folder that already holds something: it names the folder and what to do.
 */
export async function openDataDir(home: string, bundledMajor: number): Promise<DataDir> {
  const pgData = path.join(home, 'pg');
  const stateFile = path.join(home, 'vigilo.json');
  try {
    await mkdir(home, { recursive: true, mode: 0o700 });
    const s = await stat(home);
    if (!s.isDirectory()) throw new Error('not a folder');
    await access(home, constants.R_OK | constants.W_OK | constants.X_OK);
    // access() says yes to root even on a read-only mount: a real write settles it.
    const probe = path.join(home, `.write-test-${process.pid}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (err) {
    throw new VigiloError(
      'DATA_DIR_UNUSABLE',
      `The data folder ${home} is not usable (${describe(err)}). ${FIX_HINT}`,
      { cause: err },
    );
  }

  const state = await readState(stateFile, home);
  if (state === undefined) {
    if (await exists(pgData)) {
      throw new VigiloError(
        'DATA_DIR_HALF_INITIALISED',
        `The data folder ${home} holds a database folder (${pgData}) but no vigilo.json: it was not created by ` +
          `this Vigilo or its first start was interrupted. Vigilo will not overwrite it. Move it away, or ` +
          `set VIGILO_HOME to another folder.`,
      );
    }
    return { home, pgData, stateFile, state };
  }
  if (state.format > DATA_DIR_FORMAT || state.postgres.major > bundledMajor) {
    throw new VigiloError(
      'DATA_DIR_NEWER',
      `The data folder ${home} was written by a newer Vigilo (data format ${state.format}, Postgres ` +
        `${state.postgres.major}); this one understands format ${DATA_DIR_FORMAT} and Postgres ${bundledMajor}. ` +
        `Run the newer Vigilo, or set VIGILO_HOME to another folder.`,
    );
  }
  if (state.postgres.major < bundledMajor) {
    throw new VigiloError(
      'DATA_DIR_UNUSABLE',
      `The data folder ${home} holds a Postgres ${state.postgres.major} database; this Vigilo ships Postgres ` +
        `${bundledMajor}. Upgrade it with pg_upgrade, or export it and set VIGILO_HOME to a new folder.`,
    );
  }
  if (state.state === 'initialising') {
    throw new VigiloError(
      'DATA_DIR_HALF_INITIALISED',
      `The data folder ${home} is half-initialised: an earlier first start stopped before it finished. ` +
        `It holds no data yet. Remove it (rm -rf ${home}) and start again, or set VIGILO_HOME to another folder.`,
    );
  }
  return { home, pgData: state.postgres.dataDir ?? pgData, stateFile, state };
}

/** Writes the state atomically (write, then rename) so a crash never leaves half a file. */
export async function writeState(dir: DataDir, state: DataDirState): Promise<void> {
  const tmp = `${dir.stateFile}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, dir.stateFile);
  dir.state = state;
}

async function readState(file: string, home: string): Promise<DataDirState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VigiloError('DATA_DIR_UNUSABLE', `Cannot read ${file} (${describe(err)}). ${FIX_HINT}`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new VigiloError(
      'DATA_DIR_UNUSABLE',
      `${file} is not valid JSON; the data folder ${home} is damaged. Restore it from a backup, or set VIGILO_HOME to another folder.`,
      { cause: err },
    );
  }
  // A newer format may carry fields this build does not know: check the version before the shape.
  const format = (json as { format?: unknown } | null)?.format;
  if (typeof format === 'number' && format > DATA_DIR_FORMAT) {
    return { format, state: 'ready', createdAt: '', postgres: { port: 1, major: 0 } };
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) {
    throw new VigiloError(
      'DATA_DIR_UNUSABLE',
      `${file} does not describe a Vigilo data folder (${parsed.error.issues[0]?.message}). ` +
        `Restore it from a backup, or set VIGILO_HOME to another folder.`,
    );
  }
  return parsed.data;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? err);
}
