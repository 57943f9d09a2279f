import type { WorkspaceRole } from '@vigilo/shared/roles';

/** Who is calling, once authenticated. */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string; platformAdmin: boolean; email: string | null }
  | { kind: 'api_token'; tokenId: string; workspaceId: string; role: WorkspaceRole };

// What verifies the bearer of a user's call is identity's (the server is given one at start).
export type { AccessTokenVerifier, VerifiedIdentity } from '../identity/access-token.ts';
