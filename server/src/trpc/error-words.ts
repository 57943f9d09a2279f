/** One refused field: where (a path into the input) and what was wrong with it. */
export type FieldIssue = { path: readonly PropertyKey[]; message: string };

const MAX_LISTED = 3;

/**
 * Refused fields as a sentence a person reads ("hostname: must be a host name; port: …"), for
 * the error message, where a zod failure would otherwise put its issues as a JSON array. A
 * message that already names its field ("name must not be empty") is kept as it is; zod's
 * "expected string, received undefined" becomes "is required". At most three are listed.
 */
export function issuesInWords(issues: readonly FieldIssue[]): string {
  const parts = issues.slice(0, MAX_LISTED).map(({ path, message }) => {
    const where = path.map(String).join('.');
    if (!where) return message;
    const last = String(path.at(-1));
    if (message.startsWith(`${where} `) || message.startsWith(`${where}:`) || message.startsWith(`${last} `))
      return message;
    return `${where}: ${/received undefined$/.test(message) ? 'is required' : message}`;
  });
  const more = issues.length - MAX_LISTED;
  return more > 0 ? `${parts.join('; ')}; and ${more} more` : parts.join('; ');
}
