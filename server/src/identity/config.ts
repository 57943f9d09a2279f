import { z } from 'zod';
import { DEFAULT_API_AUDIENCE } from './provider.ts';
import { DEFAULT_ALGORITHMS } from './verify-token.ts';

/**
 * The environment variables identity reads. Meant to be merged into the server's env schema
 * (server/src/config/env.ts) so everything is validated once at start; `resolveIdentityConfig`
 * turns the parsed values into settings.
 */
export const identityEnvSchema = z.object({
  VIGILO_PUBLIC_URL: z
    .string()
    .refine(
      (s) => /^https?:\/\//.test(s) && URL.canParse(s),
      'VIGILO_PUBLIC_URL must be an http:// or https:// URL',
    )
    .optional(),
  VIGILO_OIDC_ISSUER: z
    .string()
    .refine(
      (s) => /^https?:\/\//.test(s) && URL.canParse(s),
      'VIGILO_OIDC_ISSUER must be an http:// or https:// URL',
    )
    .optional(),
  VIGILO_OIDC_AUDIENCE: z.string().min(1, 'VIGILO_OIDC_AUDIENCE must not be empty').optional(),
  VIGILO_OIDC_JWKS_URI: z
    .string()
    .refine(
      (s) => /^https?:\/\//.test(s) && URL.canParse(s),
      'VIGILO_OIDC_JWKS_URI must be an http:// or https:// URL',
    )
    .optional(),
  VIGILO_OIDC_ALGORITHMS: z
    .string()
    .refine(
      (s) => s.split(',').every((a) => DEFAULT_ALGORITHMS.includes(a.trim())),
      `VIGILO_OIDC_ALGORITHMS must be a comma-separated list of ${DEFAULT_ALGORITHMS.join(', ')}`,
    )
    .optional(),
  VIGILO_TRUST_PROXY: z
    .enum(['true', 'false'], { error: 'VIGILO_TRUST_PROXY must be true or false' })
    .optional(),
});
export type IdentityEnv = z.infer<typeof identityEnvSchema>;

export type IdentityConfig = {
  /** Base URL people and apps reach the server at. */
  publicUrl: string;
  /** True when no external issuer is configured: the built-in provider runs and is the issuer. */
  builtInProvider: boolean;
  issuer: string;
  audience: string;
  jwksUri: string | undefined;
  algorithms: string[] | undefined;
  trustProxy: boolean;
};

/**
 * Settles who issues tokens. Without VIGILO_OIDC_ISSUER the built-in provider at
 * `<public URL>/oidc` is the issuer (single-machine mode); with it, an external IdP is and the
 * built-in provider stays off.
 */
export function resolveIdentityConfig(
  env: IdentityEnv,
  server: { host: string; port: number },
): IdentityConfig {
  const host = server.host === '0.0.0.0' || server.host === '::' ? '127.0.0.1' : server.host;
  const publicUrl = (
    env.VIGILO_PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`
  ).replace(/\/+$/, '');
  const external = env.VIGILO_OIDC_ISSUER;
  return {
    publicUrl,
    builtInProvider: external === undefined,
    issuer: external ?? `${publicUrl}/oidc`,
    audience: env.VIGILO_OIDC_AUDIENCE ?? DEFAULT_API_AUDIENCE,
    jwksUri: env.VIGILO_OIDC_JWKS_URI,
    algorithms: env.VIGILO_OIDC_ALGORITHMS?.split(',').map((a) => a.trim()),
    trustProxy: env.VIGILO_TRUST_PROXY === 'true',
  };
}
