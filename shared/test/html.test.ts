import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../src/html.ts';

describe('escapeHtml', () => {
  it('escapes the five characters that can end text or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('leaves everything else as it is', () => {
    expect(escapeHtml('Zürich — 100 % ok: a/b?c=d')).toBe('Zürich — 100 % ok: a/b?c=d');
    expect(escapeHtml('')).toBe('');
  });
});
