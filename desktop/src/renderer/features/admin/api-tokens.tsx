import type { WorkspaceRole } from '@vigilo/shared/roles';
import { useCallback, useEffect, useState } from 'react';
import type { ApiTokenView } from '../../../bridge/people-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { useStore } from '../../store.ts';
import { FieldError, instant, Outcome, when } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { useNewIntent } from './new-intent.ts';
import { grantable } from './members.tsx';
import { CopyButton, localIn } from './people-bits.tsx';

const DAY = 86_400_000;

type Draft = { name: string; role: WorkspaceRole; expiresAt: string };

/** A token's state in words, at the time the list was read. */
function stateOf(t: ApiTokenView, now: number): string {
  if (t.revokedAt) return `revoked ${when(t.revokedAt)}`;
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return 'expired';
  return 'active';
}

/**
 * Settings › API tokens: tokens for scripts and CI, each with a role no higher than its
 * creator's and an expiry; the secret is shown once, with a copy button; revoked at once.
 * Tokens live on the server only: offline the page says so.
 */
export function ApiTokensAdmin() {
  const isAdmin = useCan('administer');
  const myRole = useStore((s) => s.sync?.workspace?.role);
  const blank = (): Draft => ({ name: '', role: 'viewer', expiresAt: localIn(90 * DAY) });
  const [tokens, setTokens] = useState<ApiTokenView[]>([]);
  const [unavailable, setUnavailable] = useState<{ message: string; offline: boolean } | undefined>();
  const [creating, setCreating] = useState<Draft | undefined>();
  const [minted, setMinted] = useState<{ name: string; token: string } | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const list = await bridge.call('apiTokens.list', {});
    if (list.ok) {
      setTokens(list.tokens);
      setUnavailable(undefined);
    } else setUnavailable({ message: list.message, offline: list.reason === 'offline' });
  }, []);
  // Only admins may list tokens: nobody else asks (the server would refuse).
  useEffect(() => {
    if (isAdmin) void load();
  }, [load, isAdmin]);
  // The command palette's action opens the create form once (its 'new' intent).
  useNewIntent(isAdmin, () => setCreating(blank()));
  const canEdit = isAdmin && !unavailable;

  const create = async (d: Draft) => {
    const r = await bridge.call('apiTokens.create', { ...d, expiresAt: instant(d.expiresAt) });
    setErrors(r.ok ? {} : r.fieldErrors);
    if (!r.ok) return setMessage({ ok: false, text: `Not created: ${r.message}.` });
    setCreating(undefined);
    setMessage(undefined);
    setMinted({ name: d.name, token: r.token });
    await load();
  };
  const revoke = async (t: ApiTokenView) => {
    setConfirming(undefined);
    const r = await bridge.call('apiTokens.revoke', { id: t.id });
    setMessage(
      r.ok
        ? { ok: true, text: `Revoked ${t.name}: it no longer works.` }
        : { ok: false, text: `Not revoked: ${r.message}.` },
    );
    await load();
  };
  const now = Date.now();

  return (
    <section aria-label="API tokens" data-testid="page-api-tokens">
      <h2>
        API tokens{' '}
        {canEdit && !creating ? (
          <button onClick={() => (setErrors({}), setCreating(blank()))}>New API token</button>
        ) : null}
      </h2>
      <p className="hint">
        A token lets a script or CI job call the API with a role no higher than yours. Vigilo keeps only its
        hash: copy it when it is shown.
      </p>
      {!isAdmin ? <p className="muted">Only admins can see and manage API tokens.</p> : null}
      {unavailable ? (
        <p role="status" className="bad" data-testid="tokens-offline">
          {unavailable.message}.
          {unavailable.offline
            ? ' API tokens are kept on the server only, so nothing can be shown or changed until it can be reached.'
            : ''}
        </p>
      ) : null}
      {creating && canEdit ? (
        <form
          className="change-form"
          aria-label="New API token"
          data-testid="token-form"
          onSubmit={(e) => {
            e.preventDefault();
            void create(creating);
          }}
        >
          <label>
            Token name
            <input
              value={creating.name}
              onChange={(e) => setCreating({ ...creating, name: e.target.value })}
            />
            <FieldError errors={errors} field="name" />
          </label>
          <label>
            Role
            <select
              aria-label="Role"
              value={creating.role}
              onChange={(e) => setCreating({ ...creating, role: e.target.value as WorkspaceRole })}
            >
              {grantable(myRole).map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <FieldError errors={errors} field="role" />
          </label>
          <label>
            Expires
            <input
              type="datetime-local"
              value={creating.expiresAt}
              onChange={(e) => setCreating({ ...creating, expiresAt: e.target.value })}
            />
            <FieldError errors={errors} field="expiresAt" />
          </label>
          <div className="actions">
            <button type="submit">Create token</button>
            <button type="button" onClick={() => setCreating(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {minted ? (
        <div className="secret-once" role="region" aria-label="New API token" data-testid="token-once">
          <p>
            The token <strong>{minted.name}</strong>. It is shown this once: Vigilo keeps only its hash and
            cannot show it again.
          </p>
          <code data-testid="token-secret">{minted.token}</code>{' '}
          <CopyButton text={minted.token} label="Copy" />{' '}
          <button onClick={() => setMinted(undefined)}>I have saved it</button>
        </div>
      ) : null}
      <Outcome message={message} testId="tokens-result" />
      {isAdmin && !unavailable && tokens.length === 0 ? <p className="muted">No API token.</p> : null}
      {tokens.length ? (
        <table className="audit" aria-label="API tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => {
              const state = stateOf(t, now);
              return (
                <tr key={t.id} data-testid="token-row" data-name={t.name} data-state={state}>
                  <td>
                    {t.name} <span className="muted">{t.prefix}…</span>
                  </td>
                  <td>{t.role}</td>
                  <td>{when(t.createdAt)}</td>
                  <td>{t.lastUsedAt ? when(t.lastUsedAt) : 'never'}</td>
                  <td>{t.expiresAt ? when(t.expiresAt) : 'never'}</td>
                  <td>{state}</td>
                  <td>
                    {canEdit && state === 'active' ? (
                      confirming === t.id ? (
                        <span className="actions" role="group" aria-label={`Revoke ${t.name}?`}>
                          Revoke {t.name}? Whatever uses it stops working.{' '}
                          <button onClick={() => void revoke(t)}>Yes, revoke</button>{' '}
                          <button onClick={() => setConfirming(undefined)}>Keep it</button>
                        </span>
                      ) : (
                        <button onClick={() => setConfirming(t.id)}>Revoke</button>
                      )
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
