import type { WorkspaceRole } from '@vigilo/shared/roles';

/** Who is calling, once authenticated. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; platformAdmin: boolean; email: string | null }
  | { kind: 'api_token'; tokenId: string; workspaceId: string; role: WorkspaceRole };

/** The identity an access token proves, as the IdP states it. */
export type VerifiedIdentity = { issuer: string; subject: string; email?: string; name?: string };

/** Validates an OIDC access token (signature, issuer, audience, expiry) or throws. */
export type AccessTokenVerifier = (token: string) => Promise<VerifiedIdentity>;
