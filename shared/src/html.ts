/**
 * Text into HTML, the one way every server-rendered page, e-mail and the desktop host's pages do
 * it. Pure string work, so it runs in every program.
 */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values (double or single quotes).
 * Not for URLs in href/src (a `javascript:` URL survives escaping), scripts or styles.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
