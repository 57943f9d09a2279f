/**
 * Refusals in words a person reads. Validation failures travel as zod issues; a message that is
 * the issues' JSON (what zod's error message is, and what an older server answered with) must
 * never reach a banner or a form as it is: each issue becomes its field and its words.
 * Shared by the core (online refusals) and the renderer (bridge answers). Pure.
 */

type Issue = { path?: unknown; message?: unknown };

/** "name must not be empty" as it is; otherwise the field first: "hostname: too long". */
export function issueInWords(path: readonly PropertyKey[], message: string): string {
  const named = path.filter((p) => typeof p === 'string' || typeof p === 'number').map(String);
  const last = named.at(-1);
  if (last === undefined || message.startsWith(last)) return message;
  return `${named.join('.')}: ${message}`;
}

const isIssue = (v: unknown): v is Issue => typeof v === 'object' && v !== null && 'message' in v;

/** Electron's wrapping of an error thrown in main: "Error invoking remote method 'x': Error: …". */
const IPC_WRAPPING = /^Error invoking remote method '[^']*': (?:[A-Za-z]*Error: )?/;

/**
 * A message in words: the issues of a zod error's JSON joined with "; ", without the wrapping
 * Electron's IPC adds; anything else unchanged. Never throws (a message that only looks like JSON
 * is returned as it is).
 */
export function errorInWords(message: string): string {
  const unwrapped = message.replace(IPC_WRAPPING, '');
  const text = unwrapped.trim();
  if (!text.startsWith('[') && !text.startsWith('{')) return unwrapped;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return unwrapped;
  }
  const issues = Array.isArray(parsed) ? parsed : [parsed];
  if (issues.length === 0 || !issues.every(isIssue)) return unwrapped;
  return issues
    .map((i) =>
      issueInWords(
        Array.isArray(i.path) ? i.path.filter((p): p is string | number => typeof p !== 'object') : [],
        String(i.message),
      ),
    )
    .join('; ');
}
