import { describe, expect, it } from 'vitest';
import { findNulPaths, instant, text } from '../src/safe-input.ts';

describe('text()', () => {
  it('refuses a NUL character naming the field, and keeps chained checks', () => {
    const name = text('name').min(1).max(5);
    expect(name.safeParse('abc').success).toBe(true);
    expect(name.safeParse('a\u0000').error?.issues[0]?.message).toBe(
      'name must not contain the NUL character (U+0000)',
    );
    expect(name.safeParse('abcdef').success).toBe(false);
  });
});

describe('instant()', () => {
  const from = instant('from');
  it('takes Dates, ISO strings and epoch milliseconds inside 1970–2200', () => {
    expect(from.parse('2026-03-01')).toEqual(new Date('2026-03-01T00:00:00Z'));
    expect(from.parse(new Date(0))).toEqual(new Date(0));
    expect(from.parse(86_400_000)).toEqual(new Date('1970-01-02T00:00:00Z'));
  });

  it.each([['-271821-04-20'], ['+275760-09-13'], [new Date(8.64e15)], ['1969-12-31'], ['2200-01-02']])(
    'refuses %s as out of range, naming the field',
    (value) => {
      expect(from.safeParse(value).error?.issues[0]?.message).toBe(
        'from must be between 1970-01-01 and 2200-01-01',
      );
    },
  );

  it('refuses what is not a date, including null (z.coerce.date made it 1970)', () => {
    for (const value of [null, true, {}, 'yesterday', new Date(Number.NaN)])
      expect(from.safeParse(value).error?.issues[0]?.message).toBe('from must be a date');
  });
});

describe('findNulPaths()', () => {
  it('names every value and key holding U+0000, and nothing else', () => {
    const input = {
      ok: 'fine',
      name: 'a\u0000b',
      list: ['x', { body: '\u0000' }],
      ['k\u0000']: 1,
      when: new Date(),
      n: 3,
    };
    expect(findNulPaths(input)).toEqual([['name'], ['list', 1, 'body'], ['k\\u0000']]);
    expect(findNulPaths({ a: [1, 'b', null] })).toEqual([]);
  });

  it('walks a deeply nested input without overflowing the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findNulPaths(deep)[0]).toHaveLength(100_000);
  });
});
