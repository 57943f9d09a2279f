import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorInWords, issueInWords } from '../src/bridge/error-words.ts';

describe('refusals in words', () => {
  it('turns a zod error’s JSON into each field and what is wrong with it', () => {
    const schema = z.object({
      hostname: z.string().refine((h) => !h.includes(' '), 'hostname must not contain spaces'),
      port: z.number().int().max(65_535),
    });
    const failed = schema.safeParse({ hostname: 'a b', port: 70_000 });
    expect(failed.success).toBe(false);
    const words = errorInWords(failed.error!.message);
    expect(words).toBe('hostname must not contain spaces; port: Too big: expected number to be <=65535');
    expect(words).not.toContain('"code"');
  });

  it('leaves words, and text that only looks like JSON, as they are', () => {
    expect(errorInWords('name must not be empty')).toBe('name must not be empty');
    expect(errorInWords('[not json')).toBe('[not json');
    expect(errorInWords('[1, 2]')).toBe('[1, 2]');
    expect(errorInWords('{"error":"x"}')).toBe('{"error":"x"}');
  });

  it('drops the wrapping Electron’s IPC puts around an error thrown in main', () => {
    expect(
      errorInWords("Error invoking remote method 'bridge:call': BridgeInputError: args.name: Too long"),
    ).toBe('args.name: Too long');
    expect(errorInWords("Error invoking remote method 'bridge:call': Error: sign in first")).toBe(
      'sign in first',
    );
  });

  it('names the field unless the words already start with it', () => {
    expect(issueInWords(['args', 'name'], 'name must not be empty')).toBe('name must not be empty');
    expect(issueInWords(['args', 'name'], 'Too long')).toBe('args.name: Too long');
    expect(issueInWords([], 'refused')).toBe('refused');
  });
});
