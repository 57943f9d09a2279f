import { createLocalAccount, verifyLocalCredentials } from '../../src/identity/local-accounts.ts';
import { type SignInServer, startSignInServer } from '@vigilo/tests/support/signin-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A person who has never signed in is invited from the built-in provider's server: the admin gets
 * a one-time code shown once, the person chooses their own password with it on the welcome page,
 * signs in through the provider like anyone, and their first call makes them a member. A code
 * never touches an account that exists already, and the page answers both cases alike.
 */
let server: SignInServer;
let ownerToken: string;

beforeAll(async () => {
  server = await startSignInServer();
  ownerToken = (await server.signIn(server.owner.email, server.owner.password)).accessToken;
});
afterAll(async () => {
  await server?.close();
});

const invite = (email: string, role: 'member' | 'viewer' = 'member') =>
  server.api(ownerToken).members.add.mutate({ workspace: 'demo', email, role });
/** The one-time code an invitation answered with (there is one with the built-in provider). */
const codeOf = (invited: Awaited<ReturnType<typeof invite>>) => {
  if (!('setup' in invited)) throw new Error('no setup code in the answer');
  return invited.setup.code;
};
/** Whether the provider's own check accepts a password (a failed browser sign-in never returns). */
const accepts = (email: string, password: string) =>
  verifyLocalCredentials(server.services.db.owner, { email, password }).then(
    () => true,
    () => false,
  );

/** Posts the welcome form as a browser would; the status and the page's text. */
async function welcome(fields: Record<string, string>) {
  const res = await fetch(`${server.issuer}/welcome`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text() };
}

const PASSWORD = 'correct horse battery staple';

describe('an invitation with the built-in provider', () => {
  it('gives a one-time code with which a new person sets a password, signs in and joins', async () => {
    const invited = await invite('newcomer@example.test');
    expect(invited).toMatchObject({
      email: 'newcomer@example.test',
      status: 'invited',
      setup: {
        url: `${server.issuer}/welcome`,
        code: expect.stringMatching(/^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$/),
      },
    });
    const code = codeOf(invited);
    // Only a hash is kept.
    const stored = await server.services.db.owner.query<{ setup_code_hash: Buffer }>(
      "SELECT setup_code_hash FROM invitations WHERE email = 'newcomer@example.test'",
    );
    expect(stored.rows[0]?.setup_code_hash.toString('utf8')).not.toContain(code.replaceAll('-', ''));
    const page = await fetch(`${server.issuer}/welcome`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<label for="code">One-time code</label>');

    // Field by field, in words, and nothing used up.
    const bad = await welcome({
      email: 'newcomer@example.test',
      code,
      name: '',
      password: 'short',
      confirm: 'other',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('name must not be empty');
    expect(bad.text).toContain('password must be at least 12 characters');
    expect(bad.text).toContain('confirm must repeat the password');

    // Typed in lower case with spaces: still the code.
    const typed = code.toLowerCase().replaceAll('-', ' ');
    const done = await welcome({
      email: 'newcomer@example.test',
      code: typed,
      name: 'New Comer',
      password: PASSWORD,
      confirm: PASSWORD,
    });
    expect(done.status).toBe(200);
    expect(done.text).toContain('You can sign in now');
    // Once.
    const again = await welcome({
      email: 'newcomer@example.test',
      code,
      name: 'New Comer',
      password: `${PASSWORD}!`,
      confirm: `${PASSWORD}!`,
    });
    expect(again.status).toBe(400);
    expect(again.text).toContain('That code does not work for this email');

    const tokens = await server.signIn('newcomer@example.test', PASSWORD);
    const mine = await server.api(tokens.accessToken).workspace.mine.query();
    expect(mine.map((w: { slug: string }) => w.slug)).toContain('demo');
    const members = await server.api(ownerToken).members.list.query({ workspace: 'demo' });
    expect(members.find((m) => m.email === 'newcomer@example.test')).toMatchObject({
      status: 'member',
      role: 'member',
      name: 'New Comer',
    });
    const audit = await server
      .api(ownerToken)
      .audit.list.query({ workspace: 'demo', filter: { action: 'member.setup_code_used' } });
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actorType: 'system', targetType: 'invitation' });
  });

  it('refuses a code for another email, and counts it as a failed attempt', async () => {
    const code = codeOf(await invite('second@example.test'));
    const wrong = await welcome({
      email: 'someone-else@example.test',
      code,
      name: 'X',
      password: PASSWORD,
      confirm: PASSWORD,
    });
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('That code does not work for this email');
    expect(await accepts('someone-else@example.test', PASSWORD)).toBe(false);
    // Failures count like failed sign-ins: the fifth for one email blocks the sixth attempt.
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const r = await welcome({
        email: 'someone-else@example.test',
        code,
        name: 'X',
        password: PASSWORD,
        confirm: PASSWORD,
      });
      statuses.push(r.status);
      if (r.status === 429) expect(r.text).toContain('Too many failed attempts');
    }
    expect(statuses).toEqual([400, 400, 400, 400, 429]);
  });

  it('never changes an existing account, and answers exactly as for a new one', async () => {
    await createLocalAccount(server.services.db.owner, {
      email: 'existing@example.test',
      name: 'Existing',
      password: 'the old password stays',
    });
    const existing = codeOf(await invite('existing@example.test', 'viewer'));
    const fresh = codeOf(await invite('fresh@example.test', 'viewer'));
    const answers = [];
    for (const [email, code] of [
      ['existing@example.test', existing],
      ['fresh@example.test', fresh],
    ] as const) {
      const r = await welcome({ email, code, name: 'Someone', password: PASSWORD, confirm: PASSWORD });
      answers.push({ status: r.status, text: r.text.replaceAll(email, '<email>') });
    }
    expect(answers[0]).toEqual(answers[1]);
    // The existing account still has its own password, and not the one chosen with the code.
    expect(await accepts('existing@example.test', PASSWORD)).toBe(false);
    expect(await accepts('fresh@example.test', PASSWORD)).toBe(true);
    const tokens = await server.signIn('existing@example.test', 'the old password stays');
    expect(
      (await server.api(tokens.accessToken).workspace.mine.query()).map((w: { slug: string }) => w.slug),
    ).toContain('demo');
  });
});
