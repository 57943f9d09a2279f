import { z } from 'zod';

/**
 * Zod primitives for values that end up in Postgres, which refuses some values a JSON parser
 * accepts: text and jsonb cannot hold U+0000, and timestamptz ends long before JavaScript's
 * dates do (`-271821-04-20` parses in JS and is "out of range" in the database). Refusing them at
 * the boundary turns what would be a 500 with a raw database message into a 400 naming the field.
 */

/** Why a string with a NUL character is refused; shared by the schemas and the input walk. */
export const NUL_MESSAGE = 'must not contain the NUL character (U+0000)';

/** The range of instants the server accepts: wide enough for any real use, well inside Postgres'. */
export const INSTANT_MIN = new Date('1970-01-01T00:00:00.000Z');
export const INSTANT_MAX = new Date('2200-01-01T00:00:00.000Z');

/** A string without NUL characters; chain `.min()`, `.max()`, `.trim()` and so on as usual. */
export function text(name?: string) {
  return z
    .string(name ? { error: `${name} must be a string` } : undefined)
    .refine((s) => !s.includes('\u0000'), { message: name ? `${name} ${NUL_MESSAGE}` : NUL_MESSAGE });
}

/**
 * A point in time between INSTANT_MIN and INSTANT_MAX, given as a Date, an ISO string or epoch
 * milliseconds (query strings carry strings, superjson carries Dates). Replaces `z.coerce.date`,
 * which also turns `null` into 1970 and accepts dates Postgres cannot store.
 */
export function instant(name = 'date') {
  const range = `${name} must be between ${INSTANT_MIN.toISOString().slice(0, 10)} and ${INSTANT_MAX.toISOString().slice(0, 10)}`;
  return z
    .union([z.date(), z.string(), z.number()], { error: `${name} must be a date` })
    .transform((v) => new Date(v))
    .pipe(
      z
        .date({ error: `${name} must be a date` })
        .min(INSTANT_MIN, { error: range })
        .max(INSTANT_MAX, { error: range }),
    );
}

/** A path into a value, as zod reports it. */
export type InputPath = Array<string | number>;

/** A value met during the walk, linked to its parent so a path is built only when needed. */
type Visit = { value: unknown; key: string | number | undefined; parent: Visit | undefined; badKey: boolean };

function pathOf(visit: Visit): InputPath {
  const path: InputPath = [];
  for (let v: Visit | undefined = visit; v?.key !== undefined; v = v.parent) path.push(v.key);
  return path.reverse();
}

/**
 * The paths of every string (value or object key) in `input` that holds a NUL character, at most
 * `limit` of them, in document order. Walks iteratively with parent links, so a deeply nested
 * input can neither overflow the stack nor cost more than one visit per value: cheap enough to run
 * on every request before anything reads it. A key is named with the NUL spelled `\u0000`.
 */
export function findNulPaths(input: unknown, limit = 20): InputPath[] {
  const found: InputPath[] = [];
  const stack: Visit[] = [{ value: input, key: undefined, parent: undefined, badKey: false }];
  const seen = new Set<object>();
  while (stack.length > 0 && found.length < limit) {
    const visit = stack.pop() as Visit;
    const { value } = visit;
    if (visit.badKey || (typeof value === 'string' && value.includes('\u0000'))) {
      found.push(pathOf(visit));
      continue;
    }
    if (typeof value !== 'object' || value === null || value instanceof Date || seen.has(value)) continue;
    seen.add(value);
    const children: Array<[string | number, unknown]> = Array.isArray(value)
      ? value.map((child, i) => [i, child])
      : value instanceof Map
        ? [...value.entries()].map(([k, child]) => [String(k), child])
        : value instanceof Set
          ? [...value].map((child, i) => [i, child])
          : Object.entries(value);
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i] as [string | number, unknown];
      const badKey = typeof key === 'string' && key.includes('\u0000');
      stack.push({
        value: child,
        key: badKey ? key.replaceAll('\u0000', '\\u0000') : key,
        parent: visit,
        badKey,
      });
    }
  }
  return found;
}
