/**
 * Bounded concurrency over a (possibly huge, possibly async) stream of inputs: at most `limit`
 * tasks in flight and at most `limit` results waiting, so memory does not grow with the input.
 * Results come out as they finish, tagged with their input index.
 */

/** Runs `fn` over `inputs` with at most `limit` in flight; yields `{ index, input, result }`. */
export async function* mapBounded<I, O>(
  inputs: Iterable<I> | AsyncIterable<I>,
  limit: number,
  fn: (input: I, index: number) => Promise<O>,
): AsyncGenerator<{ index: number; input: I; result: O }> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  type Done = { index: number; input: I; result: O; key: number };
  const running = new Map<number, Promise<Done>>();
  let index = 0;
  for await (const input of inputs) {
    const i = index++;
    running.set(
      i,
      fn(input, i).then((result) => ({ index: i, input, result, key: i })),
    );
    if (running.size >= limit) {
      const done = await Promise.race(running.values());
      running.delete(done.key);
      yield { index: done.index, input: done.input, result: done.result };
    }
  }
  while (running.size) {
    const done = await Promise.race(running.values());
    running.delete(done.key);
    yield { index: done.index, input: done.input, result: done.result };
  }
}

/** A token bucket: `take()` resolves when the next start is allowed (at most `perSecond`). */
export function rateLimiter(
  perSecond: number,
  clock: () => number = () => performance.now(),
): () => Promise<void> {
  if (!(perSecond > 0)) throw new RangeError(`rate must be positive, got ${perSecond}`);
  const interval = 1000 / perSecond;
  let next = clock();
  return async () => {
    const t = clock();
    const wait = Math.max(0, next - t);
    next = Math.max(next, t) + interval;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
}
