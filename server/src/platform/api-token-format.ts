import { createHash, randomBytes } from 'node:crypto';

/**
 * API and agent tokens: `vgl_<workspace id, base64url>_<32 random bytes, base64url>`. The workspace
 * is part of the token so a check can set it before looking the hash up: tokens are tenant rows
 * like any other, bound by row-level security. Only the SHA-256 of the whole token is stored; the
 * secret half has 256 bits, so a fast hash is enough (no password stretching needed).
 */
const PATTERN = /^(vgl|vga|vge)_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{43})$/;

/** `vgl` API tokens, `vga` agent credentials, `vge` one-time agent enrollment tokens. */
export type TokenKind = 'vgl' | 'vga' | 'vge';

export type ParsedToken = { workspaceId: string; hash: Buffer };

export function mintToken(
  workspaceId: string,
  kind: TokenKind = 'vgl',
): { token: string; hash: Buffer; prefix: string } {
  const ws = Buffer.from(workspaceId.replace(/-/g, ''), 'hex').toString('base64url');
  const token = `${kind}_${ws}_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), prefix: token.slice(0, 12) };
}

export function parseToken(token: string, kind: TokenKind = 'vgl'): ParsedToken | undefined {
  const match = PATTERN.exec(token);
  if (!match?.[2] || match[1] !== kind) return undefined;
  const hex = Buffer.from(match[2], 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  const workspaceId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { workspaceId, hash: hashToken(token) };
}

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith('vgl_');
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
