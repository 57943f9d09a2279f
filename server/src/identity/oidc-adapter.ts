import { createHash } from 'node:crypto';
import type { Queryable } from './local-accounts.ts';

/**
 * oidc-provider's storage contract (see its docs, "adapter"): one adapter per model name, each
 * payload a JSON object, `expiresIn` in seconds. Declared here because the package ships no types.
 */
export type OidcPayload = Record<string, unknown> & {
  grantId?: string;
  userCode?: string;
  uid?: string;
  consumed?: number;
};

export type OidcAdapter = {
  upsert(id: string, payload: OidcPayload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<OidcPayload | undefined>;
  findByUid(uid: string): Promise<OidcPayload | undefined>;
  findByUserCode(userCode: string): Promise<OidcPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
};

type Row = { payload: OidcPayload; consumed_at: Date | null };

const LIVE = '(expires_at IS NULL OR expires_at > now())';

/**
 * The key an artefact is stored under: SHA-256 of the id the provider hands us. For refresh
 * tokens, authorization codes, sessions (the session cookie) and the rest, that id is the secret
 * a client presents, so storing it plain would let a database dump replay them. Lookups hash
 * the presented value, as for API and agent tokens. A long random id needs no salt or slow hash.
 */
export function oidcStorageId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url');
}

/**
 * The payload as stored: the provider copies the id into `jti`, and an interaction carries its
 * session's id as `session.cookie`; both are replaced by their hash. The provider never reads
 * `session.cookie` back, and `jti` is restored by {@link restore} from the id it looks up by.
 */
function conceal(id: string, payload: OidcPayload): OidcPayload {
  const stored: OidcPayload = { ...payload };
  if (stored.jti === id) stored.jti = oidcStorageId(id);
  const session = stored.session as Record<string, unknown> | undefined;
  if (session && typeof session === 'object' && typeof session.cookie === 'string') {
    stored.session = { ...session, cookie: oidcStorageId(session.cookie) };
  }
  return stored;
}

/**
 * A found payload with `jti` put back when the caller gave the id. Found by uid (sessions), the
 * id is unknown and `jti` stays the hash: the provider only reads such a session (its account
 * and grants), never saves it under that id.
 */
function restore(payload: OidcPayload, id: string | undefined): OidcPayload {
  if (id === undefined || payload.jti !== oidcStorageId(id)) return payload;
  return { ...payload, jti: id };
}

/**
 * The Postgres adapter over `oidc_payloads`. Expiry uses the database clock for both writing and
 * reading, so server clock skew cannot make an artefact live longer; oidc-provider checks `exp`
 * in the payload as well. Expired rows are invisible at once and removed by
 * {@link purgeExpiredOidcPayloads}. Rows are keyed by {@link oidcStorageId}; rows written before
 * ids were hashed are never found again (their holders sign in anew) and expire with their TTL.
 */
export function createPostgresAdapterFactory(db: Queryable): (model: string) => OidcAdapter {
  return (kind: string) => {
    const one = async (
      where: string,
      value: string,
      id: string | undefined,
    ): Promise<OidcPayload | undefined> => {
      const { rows } = await db.query<Row>(
        `SELECT payload, consumed_at FROM oidc_payloads WHERE kind = $1 AND ${where} = $2 AND ${LIVE}`,
        [kind, value],
      );
      const row = rows[0];
      if (!row) return undefined;
      const payload = restore(row.payload, id);
      return row.consumed_at
        ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) }
        : payload;
    };
    return {
      upsert: async (id, payload, expiresIn) => {
        await db.query(
          `INSERT INTO oidc_payloads (kind, id, payload, grant_id, user_code, uid, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::integer IS NULL THEN NULL ELSE now() + make_interval(secs => $7::integer) END)
           ON CONFLICT (kind, id) DO UPDATE SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id,
             user_code = EXCLUDED.user_code, uid = EXCLUDED.uid, expires_at = EXCLUDED.expires_at`,
          [
            kind,
            oidcStorageId(id),
            JSON.stringify(conceal(id, payload)),
            payload.grantId ?? null,
            payload.userCode ?? null,
            payload.uid ?? null,
            typeof expiresIn === 'number' ? Math.ceil(expiresIn) : null,
          ],
        );
      },
      find: (id) => one('id', oidcStorageId(id), id),
      findByUid: (uid) => one('uid', uid, undefined),
      findByUserCode: (userCode) => one('user_code', userCode, undefined),
      consume: async (id) => {
        await db.query(
          'UPDATE oidc_payloads SET consumed_at = coalesce(consumed_at, now()) WHERE kind = $1 AND id = $2',
          [kind, oidcStorageId(id)],
        );
      },
      destroy: async (id) => {
        await db.query('DELETE FROM oidc_payloads WHERE kind = $1 AND id = $2', [kind, oidcStorageId(id)]);
      },
      // A grant's artefacts are of several kinds (codes, refresh tokens, …): revoke them all.
      revokeByGrantId: async (grantId) => {
        await db.query('DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
      },
    };
  };
}

/** Deletes expired artefacts, at most `batch` per call; returns how many went. For a periodic job. */
export async function purgeExpiredOidcPayloads(db: Queryable, batch = 10_000): Promise<number> {
  const res = await db.query(
    `DELETE FROM oidc_payloads WHERE ctid = ANY (ARRAY(
       SELECT ctid FROM oidc_payloads WHERE expires_at <= now() ORDER BY expires_at LIMIT $1))`,
    [batch],
  );
  return res.rowCount ?? 0;
}
