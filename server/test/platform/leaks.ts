/**
 * What an error answer must never carry: a stack trace (or the paths it would show) or a raw
 * database message. Shared by the role-matrix walk and the malformed-input sweep.
 */
const LEAKS: Array<[string, RegExp]> = [
  ['a stack field', /"stack"/i],
  ['an absolute source path', /\/work\/|node_modules|file:\/\//],
  ['a stack frame', /\bat (?:async )?[\w$.<>[\]]+ \(|\n\s+at \S/],
  ['a source location', /\.[cm]?[tj]s:\d+/],
  ['a raw database message', /invalid byte sequence|unsupported unicode escape|invalid input syntax/i],
  ['a raw database message', /violates|duplicate key|null value in column|relation "|column "/i],
  ['a raw database message', /syntax error|out of range|current transaction is aborted/i],
];

/** The kinds of leak found in a response body, empty when it is clean. */
export function leaksIn(body: string): string[] {
  return LEAKS.filter(([, pattern]) => pattern.test(body)).map(([what]) => what);
}
