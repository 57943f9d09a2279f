/** The identity an access token proves, as the IdP states it. */
export type VerifiedIdentity = { issuer: string; subject: string; email?: string; name?: string };

/** Validates an OIDC access token (signature, issuer, audience, expiry) or throws. */
export type AccessTokenVerifier = (token: string) => Promise<VerifiedIdentity>;
