import { escapeHtml } from '@vigilo/shared/html';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import { enterWorkspace, withOwnerTx } from '../db/tx.ts';
import { findBySetupCode, setupCodeHash, useSetupCode } from '../workspaces/invitations.ts';
import { isIdentityError } from './errors.ts';
import { createLocalAccount, findLocalAccountByEmail, newAccountSchema } from './local-accounts.ts';
import { messagePage, PAGE_HEADERS } from './login-page.ts';
import { burnVerificationTime } from './passwords.ts';
import type { SignInThrottle } from './rate-limit.ts';

/**
 * The built-in provider's welcome page, `<issuer>/welcome`: where a person invited to a
 * workspace (members.add) enters the one-time setup code the admin gave them, with a password
 * of their own choosing. So no password ever passes through the admin: the code only lets its
 * holder pick one, once, within its lifetime (invitations.ts SETUP_CODE_TTL_MS).
 *
 * Every email gets a code (invitations.ts), so nothing here may differ by whether the email
 * already has an account: when it has none, the account is made; when it has one, it is left
 * exactly as it was (a code must never reset someone's password). The page, its status and the
 * time spent (a password hash either way) are the same, and so is the audit row.
 *
 * Guessing is pointless (160-bit codes) but still counted: a wrong code is a failed sign-in for
 * the throttle. The code travels in the form body, never in a URL that logs would keep.
 */

const FORM_LIMIT = 16 * 1024;

const welcomeForm = z.object({
  email: z.string().max(400).default(''),
  code: z.string().max(200).default(''),
  name: z.string().max(400).default(''),
  password: z.string().max(2048).default(''),
  confirm: z.string().max(2048).default(''),
});
type WelcomeForm = z.infer<typeof welcomeForm>;

export type WelcomeDeps = {
  /** The owner pool: the invitee has no session, and accounts are global rows. */
  pool: pg.Pool;
  mountPath: string;
  throttle: SignInThrottle;
  clock: () => number;
};

/** Mounts GET and POST `<mount>/welcome` in their own scope (a urlencoded body parser). */
export async function registerWelcomePage(app: FastifyInstance, deps: WelcomeDeps): Promise<void> {
  const action = `${deps.mountPath}/welcome`;
  await app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.get(action, (_req, reply) => reply.headers(PAGE_HEADERS).send(welcomePage({ action })));
    scope.post(action, (req, reply) => submit(deps, action, req, reply));
    done();
  });
}

async function submit(
  deps: WelcomeDeps,
  action: string,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const form = welcomeForm.safeParse(req.body ?? {});
  const typed: WelcomeForm = form.success
    ? form.data
    : { email: '', code: '', name: '', password: '', confirm: '' };
  const render = (status: number, errors: string[], headers: Record<string, string> = {}) =>
    reply
      .code(status)
      .headers({ ...PAGE_HEADERS, ...headers })
      .send(welcomePage({ action, email: typed.email, name: typed.name, errors }));

  const account = newAccountSchema.safeParse({
    email: typed.email,
    name: typed.name,
    password: typed.password,
  });
  const errors = account.success ? [] : account.error.issues.map((i) => i.message);
  if (!typed.code.trim()) errors.push('code is required: the one your administrator gave you');
  if (typed.password !== typed.confirm) errors.push('confirm must repeat the password');
  if (!form.success || !account.success || errors.length) {
    await render(400, errors.length ? errors : ['Fill in every field.']);
    return;
  }
  const { email, name, password } = account.data;
  const attempt = { ip: req.ip, email };
  const blocked = await deps.throttle.blocked(attempt);
  if (blocked) {
    const minutes = Math.max(1, Math.ceil(blocked.retryAfterMs / 60_000));
    await render(
      429,
      [`Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`],
      {
        'retry-after': String(Math.ceil(blocked.retryAfterMs / 1000)),
      },
    );
    return;
  }
  const hash = setupCodeHash(typed.code);
  const now = new Date(deps.clock());
  const invitation = await findBySetupCode(deps.pool, { email, hash, now });
  const used =
    invitation &&
    (await withOwnerTx(deps.pool, async (client) => {
      const tx = await enterWorkspace(client, invitation.workspaceId, {
        actor: { type: 'system', id: 'welcome-page' },
        requestId: req.id,
      });
      if (!(await useSetupCode(tx, invitation.id, hash))) return false;
      // An existing account is never changed; the same hashing time is spent either way.
      if (await findLocalAccountByEmail(client, email)) await burnVerificationTime(password);
      else await createLocalAccount(client, { email, name, password });
      return true;
    }).catch((err: unknown) => {
      // Made at the same moment by someone else: rolled back, the code stays usable.
      if (isIdentityError(err, 'ACCOUNT_EXISTS')) return false;
      throw err;
    }));
  if (!used) {
    await deps.throttle.recordFailure(attempt);
    await render(400, [
      'That code does not work for this email: it may be mistyped, used already or expired. Ask your Vigilo administrator to invite you again.',
    ]);
    return;
  }
  await deps.throttle.recordSuccess(attempt);
  await reply
    .headers(PAGE_HEADERS)
    .send(
      messagePage(
        'You can sign in now',
        `Sign in to Vigilo as ${email} with the password you chose. If this email already had an account here, its password is unchanged: sign in with that one.`,
      ),
    );
}

/** The welcome form: email, the code, a name and a new password twice. No scripts. */
export function welcomePage(input: {
  action: string;
  email?: string;
  name?: string;
  errors?: string[];
}): string {
  const errors = input.errors?.length
    ? `<div class="error" role="alert">${input.errors.map((e) => `<p>${escapeHtml(e)}</p>`).join('')}</div>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Welcome to Vigilo</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:grid;place-items:center;min-height:100vh}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:22rem}
h1{font-size:1.3rem;margin:0 0 .3rem}p.sub{color:#555;margin:0 0 1.2rem}
label{display:block;margin:.8rem 0 .3rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1.2rem;width:100%;padding:.6rem;font-size:1rem}.error{color:#b00020}
</style>
</head>
<body>
<form method="post" action="${escapeHtml(input.action)}">
<h1>Welcome to Vigilo</h1>
<p class="sub">Enter the one-time code your administrator gave you and choose your password.</p>
${errors}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(input.email ?? '')}">
<label for="code">One-time code</label>
<input id="code" name="code" autocomplete="one-time-code" required spellcheck="false">
<label for="name">Your name</label>
<input id="name" name="name" autocomplete="name" required value="${escapeHtml(input.name ?? '')}">
<label for="password">New password (at least 12 characters)</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12">
<label for="confirm">New password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="12">
<button type="submit">Set my password</button>
</form>
</body>
</html>
`;
}
