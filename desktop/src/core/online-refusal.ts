import { TRPCClientError } from '@trpc/client';
import type { OnlineRefusal } from '../bridge/changes.ts';
import { errorInWords, issueInWords } from '../bridge/error-words.ts';
import { classifyFailure } from './sync/failure.ts';

const REFUSALS = new Set(['BAD_REQUEST', 'CONFLICT', 'FORBIDDEN', 'NOT_FOUND', 'PRECONDITION_FAILED']);

/**
 * A failed online call as the page shows it: the server's refusal in its own words, with the
 * fields it named (its `fieldErrors`); offline or signed out in plain words. A bug is rethrown:
 * it is not an answer to show beside a form.
 */
export function onlineRefusal(err: unknown, needs: string): OnlineRefusal {
  if (err instanceof TRPCClientError) {
    const data = err.data as { code?: string; fieldErrors?: Record<string, string> } | undefined;
    if (data?.code && REFUSALS.has(data.code)) {
      const fieldErrors = data.fieldErrors ?? {};
      const named = Object.entries(fieldErrors).map(([field, words]) =>
        field === '(input)' ? words : issueInWords(field.split('.'), words),
      );
      return {
        ok: false,
        reason: 'refused',
        // A schema failure's message is the issues as JSON: the named fields say it better.
        message: named.length ? named.join('; ') : errorInWords(err.message),
        fieldErrors,
      };
    }
  }
  const failure = classifyFailure(err);
  if (failure.kind === 'bug') throw err;
  if (failure.kind === 'offline')
    return {
      ok: false,
      reason: 'offline',
      message: `${needs} needs the server, which cannot be reached: try again when online`,
      fieldErrors: {},
    };
  return {
    ok: false,
    reason: failure.kind === 'signed_out' ? 'signed_out' : 'refused',
    message: failure.message,
    fieldErrors: {},
  };
}
