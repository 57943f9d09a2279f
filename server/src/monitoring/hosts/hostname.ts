import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * Normalises what a person types as a host: trims, lower-cases, converts international names to
 * their ASCII (punycode) form, strips one trailing dot. Refuses schemes, paths and ports, naming
 * what to remove. Returns the hostname or an error message.
 */
export function normaliseHostname(
  input: string,
): { ok: true; hostname: string } | { ok: false; message: string } {
  const raw = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw))
    return { ok: false, message: 'hostname must not include a scheme (remove "https://")' };
  if (/[/?#]/.test(raw)) return { ok: false, message: 'hostname must not include a path' };
  const bracketed = /^\[(.+)\]$/.exec(raw)?.[1];
  if (bracketed && isIP(bracketed) === 6) return { ok: true, hostname: bracketed.toLowerCase() };
  if (isIP(raw)) return { ok: true, hostname: raw.toLowerCase() };
  if (/:\d+$/.test(raw))
    return { ok: false, message: 'hostname must not include a port (use the port field)' };
  const ascii = domainToASCII(raw.replace(/\.$/, '').toLowerCase());
  if (
    !ascii ||
    ascii.length > 253 ||
    !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(ascii)
  ) {
    return { ok: false, message: `"${raw}" is not a valid hostname` };
  }
  return { ok: true, hostname: ascii };
}
