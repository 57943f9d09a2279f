import { describe, expect, it } from 'vitest';
import {
  OUTBOX,
  OUTBOX_KINDS,
  type OutboxKind,
  outboxEntrySchema,
  outboxKindSchema,
  pushEntrySchema,
  SNOOZE_PRESETS,
} from '../src/outbox.ts';

const alertId = '0198c2f0-0000-7000-8000-000000000001';

describe('the outbox contract', () => {
  it('names every kind once, each with its permission and words', () => {
    expect(OUTBOX_KINDS).toEqual(Object.keys(OUTBOX));
    for (const kind of OUTBOX_KINDS) {
      expect(OUTBOX[kind].name).toBe(kind);
      expect(OUTBOX[kind].label).toMatch(/^[a-z]/);
    }
    expect(outboxKindSchema.safeParse('time.travel').error?.issues[0]?.message).toMatch(
      /^kind must be one of/,
    );
  });

  it('is exhaustive at compile time: a map over the kinds that misses one does not compile', () => {
    // @ts-expect-error -- host.snooze and the others are missing: typecheck fails if this compiles.
    const partial: { [K in OutboxKind]: string } = { 'alert.acknowledge': 'x' };
    expect(partial).toBeDefined();
  });

  it('checks an entry’s arguments against its kind, naming the field', () => {
    const bad = outboxEntrySchema.safeParse({ kind: 'alert.snooze', args: { alertId, duration: '3y' } });
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['args', 'duration'],
      message: 'duration must be 1h, 1d or 1w',
    });
    const good = outboxEntrySchema.parse({
      kind: 'alert.comment',
      args: { alertId, commentId: alertId, body: ' hi ' },
    });
    expect(good).toEqual({ kind: 'alert.comment', args: { alertId, commentId: alertId, body: 'hi' } });
    expect(SNOOZE_PRESETS['1d']).toBe(86_400_000);
  });

  it('takes a push entry of an unknown kind or with bad arguments, for the server to refuse per entry', () => {
    const unknown = { clientId: alertId, kind: 'time.travel', args: { when: 'yesterday' } };
    expect(pushEntrySchema.parse(unknown)).toEqual(unknown);
    const issues = pushEntrySchema.safeParse({ clientId: 'nope', kind: 'Bad Kind', args: {} }).error?.issues;
    expect(issues?.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['clientId', 'clientId must be a UUID'],
      ['kind', 'kind looks like alert.acknowledge'],
    ]);
  });
});
