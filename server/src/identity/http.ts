import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionDetails } from 'oidc-provider';
import { z } from 'zod';
import { isIdentityError } from './errors.ts';
import { verifyLocalCredentials } from './local-accounts.ts';
import { loginPage, messagePage, PAGE_HEADERS } from './login-page.ts';
import { type BuiltInProvider, DESKTOP_CLIENT_ID } from './provider.ts';

const FORM_LIMIT = 16 * 1024;

const uidParams = z.object({ uid: z.string().min(1).max(100) });
const loginForm = z.object({
  email: z.string().trim().min(1, 'Enter your email.').max(320),
  password: z.string().min(1, 'Enter your password.').max(1024),
});

/**
 * Mounts the built-in OpenID provider in a Fastify server: the sign-in pages at
 * `<mount>/interaction/:uid`, everything else under `<mount>/` handed to oidc-provider untouched.
 *
 * The provider reads request bodies itself, so its routes live in a plugin scope whose only body
 * parser leaves the stream alone; the sign-in form gets its own scope with a urlencoded parser.
 * CSRF: the form posts to the interaction's URL, and the provider accepts it only with the
 * interaction cookie (signed, SameSite=Lax, scoped to that path) for the same uid — a cross-site
 * POST carries no such cookie.
 */
export async function registerBuiltInProvider(app: FastifyInstance, idp: BuiltInProvider): Promise<void> {
  await app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    const delegate = async (req: FastifyRequest, reply: FastifyReply) => {
      reply.hijack();
      await idp.handle(req.raw, reply.raw);
    };
    scope.all(`${idp.mountPath}/*`, delegate);
    done();
  });

  await app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.get(`${idp.mountPath}/interaction/:uid`, (req, reply) => showInteraction(idp, req, reply));
    scope.post(`${idp.mountPath}/interaction/:uid`, (req, reply) => submitLogin(idp, req, reply));
    done();
  });
}

async function loadInteraction(
  idp: BuiltInProvider,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<InteractionDetails | undefined> {
  const params = uidParams.safeParse(req.params);
  let details: InteractionDetails | undefined;
  try {
    details = await idp.provider.interactionDetails(req.raw, reply.raw);
  } catch (err) {
    if ((err as { name?: string }).name !== 'SessionNotFound') throw err;
  }
  if (!details || !params.success || details.uid !== params.data.uid) {
    await reply
      .code(400)
      .headers(PAGE_HEADERS)
      .send(
        messagePage(
          'Sign-in expired',
          'This sign-in page has expired or was opened in another browser. Start signing in again from Vigilo.',
        ),
      );
    return undefined;
  }
  return details;
}

function clientName(details: InteractionDetails): string {
  return details.params.client_id === DESKTOP_CLIENT_ID ? 'the Vigilo desktop app' : 'Vigilo';
}

async function showInteraction(
  idp: BuiltInProvider,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const details = await loadInteraction(idp, req, reply);
  if (!details) return;
  const action = `${idp.mountPath}/interaction/${details.uid}`;
  switch (details.prompt.name) {
    case 'login': {
      const hint = typeof details.params.login_hint === 'string' ? details.params.login_hint : undefined;
      await reply
        .headers(PAGE_HEADERS)
        .send(loginPage({ action, clientName: clientName(details), email: hint }));
      return;
    }
    case 'consent':
      await grantFirstPartyConsent(idp, details, req, reply);
      return;
    default:
      await reply
        .code(400)
        .headers(PAGE_HEADERS)
        .send(messagePage('Sign-in cannot continue', 'This sign-in step is not supported.'));
  }
}

/**
 * Vigilo's own apps need no consent screen: grant exactly what the pending request asked for
 * (the details oidc-provider computed as missing) and continue. Any other client is refused.
 */
async function grantFirstPartyConsent(
  idp: BuiltInProvider,
  details: InteractionDetails,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const clientId = details.params.client_id;
  const accountId = details.session?.accountId;
  if (typeof clientId !== 'string' || !idp.firstPartyClients.has(clientId) || !accountId) {
    await reply
      .code(403)
      .headers(PAGE_HEADERS)
      .send(messagePage('Not allowed', 'This application is not allowed to sign in to Vigilo.'));
    return;
  }
  const { Grant } = idp.provider;
  const grant =
    (details.grantId ? await Grant.find(details.grantId) : undefined) ?? new Grant({ accountId, clientId });
  const missing = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  const grantId = await grant.save();
  const returnTo = await idp.provider.interactionResult(req.raw, reply.raw, { consent: { grantId } });
  await reply.redirect(returnTo, 303);
}

async function submitLogin(idp: BuiltInProvider, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const details = await loadInteraction(idp, req, reply);
  if (!details) return;
  const action = `${idp.mountPath}/interaction/${details.uid}`;
  const render = (status: number, error: string, email?: string, headers: Record<string, string> = {}) =>
    reply
      .code(status)
      .headers({ ...PAGE_HEADERS, ...headers })
      .send(loginPage({ action, clientName: clientName(details), email, error }));

  if (details.prompt.name !== 'login') {
    await reply.redirect(action, 303);
    return;
  }
  const form = loginForm.safeParse(req.body ?? {});
  if (!form.success) {
    await render(400, form.error.issues.map((i) => i.message).join(' '));
    return;
  }
  const { email, password } = form.data;
  const attempt = { ip: req.ip, email };

  // A blocked attempt is refused before the password is looked at, so guesses made while
  // blocked teach nothing.
  const blocked = await idp.throttle.blocked(attempt);
  if (blocked) {
    const minutes = Math.max(1, Math.ceil(blocked.retryAfterMs / 60_000));
    idp.log.warn({ ip: req.ip }, 'sign-in refused: too many failed attempts');
    await render(
      429,
      `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      email,
      {
        'retry-after': String(Math.ceil(blocked.retryAfterMs / 1000)),
      },
    );
    return;
  }

  let accountId: string;
  try {
    accountId = (await verifyLocalCredentials(idp.db, { email, password })).id;
  } catch (err) {
    if (isIdentityError(err, 'INVALID_CREDENTIALS')) {
      await idp.throttle.recordFailure(attempt);
      idp.log.info({ ip: req.ip }, 'sign-in failed: invalid credentials');
      await render(401, 'Incorrect email or password.', email);
      return;
    }
    if (isIdentityError(err, 'ACCOUNT_DISABLED')) {
      await render(403, 'This account is disabled. Ask your Vigilo administrator.', email);
      return;
    }
    throw err;
  }
  await idp.throttle.recordSuccess(attempt);
  const returnTo = await idp.provider.interactionResult(
    req.raw,
    reply.raw,
    { login: { accountId, amr: ['pwd'] } },
    { mergeWithLastSubmission: false },
  );
  await reply.redirect(returnTo, 303);
}
