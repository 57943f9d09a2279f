import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { uuidv7 } from '../src/util/uuidv7.ts';

describe('uuidv7', () => {
  it('is a valid v7 UUID carrying the timestamp', () => {
    const id = uuidv7(Date.parse('2026-01-01T00:00:00Z'));
    expect(z.uuidv7().safeParse(id).success).toBe(true);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });
  it('increases strictly within one millisecond and across many', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
