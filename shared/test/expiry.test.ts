import { describe, expect, it } from 'vitest';
import { DAY_MS, daysLeft } from '../src/expiry.ts';

const now = new Date('2026-03-29T00:30:00Z'); // the night the clocks go forward in Europe
const at = (ms: number) => new Date(now.getTime() + ms);

describe('daysLeft', () => {
  it('counts whole days left, rounded down', () => {
    expect(daysLeft(at(31 * DAY_MS), now)).toBe(31);
    expect(daysLeft(at(7 * DAY_MS - 1), now)).toBe(6);
    expect(daysLeft(at(DAY_MS), now)).toBe(1);
    expect(daysLeft(at(DAY_MS - 1), now)).toBe(0);
  });

  it('is 0 exactly at expiry and negative from the first millisecond after', () => {
    expect(daysLeft(at(1), now)).toBe(0);
    expect(daysLeft(at(0), now)).toBe(0);
    expect(daysLeft(at(-1), now)).toBe(-1);
    expect(daysLeft(at(-DAY_MS), now)).toBe(-1);
    expect(daysLeft(at(-DAY_MS - 1), now)).toBe(-2);
    expect(daysLeft(at(-3.5 * DAY_MS), now)).toBe(-4);
  });

  it('reads a Date, an ISO string and epoch ms alike', () => {
    const end = at(10 * DAY_MS + 5);
    expect(daysLeft(end, now)).toBe(10);
    expect(daysLeft(end.toISOString(), now)).toBe(10);
    expect(daysLeft(end.getTime(), now)).toBe(10);
    expect(daysLeft('2026-04-08T02:30:00+02:00', now)).toBe(10); // an offset is the same instant
    expect(daysLeft('not a date', now)).toBeNaN();
  });

  it('ignores daylight saving: a day is 24 h of UTC whatever the local clock did', () => {
    // 23 wall-clock hours in Paris that night, but 24 h of instants: still one day.
    expect(daysLeft('2026-03-30T00:30:00Z', now)).toBe(1);
    expect(daysLeft('2026-03-30T00:29:59.999Z', now)).toBe(0);
  });
});
