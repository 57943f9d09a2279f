import { exportJWK, generateKeyPair, createLocalJWKSet, jwtVerify, SignJWT, type JWK } from 'jose';
import type { AccessTokenVerifier } from '../../server/src/trpc/principal.ts';

export const TEST_ISSUER = 'https://idp.test.invalid';
export const TEST_AUDIENCE = 'vigilo-api';

/**
 * A real signing key and a real jose verifier for it: tests get genuine signed access tokens,
 * checked the way any IdP's are, without an IdP process.
 */
export async function createTestIdentity() {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'ES256', use: 'sig' };
  const jwks = createLocalJWKSet({ keys: [jwk] });
  const verifyAccessToken: AccessTokenVerifier = async (token) => {
    const { payload } = await jwtVerify(token, jwks, { issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
    if (!payload.sub) throw new Error('token has no subject');
    return {
      issuer: TEST_ISSUER,
      subject: payload.sub,
      ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
    };
  };
  const tokenFor = (subject: string, email = `${subject}@example.test`, ttlSeconds = 600) =>
    new SignJWT({ email })
      .setProtectedHeader({ alg: 'ES256', kid: 'test-key' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(privateKey);
  return { verifyAccessToken, tokenFor };
}
