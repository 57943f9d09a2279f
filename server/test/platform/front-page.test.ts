import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';

/** The server's page at `/`: readiness, and where a person goes next (the desktop, sign-in). */
let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('the page at /', () => {
  it('is HTML linking to the desktop, naming the sign-in issuer and the invitation page', async () => {
    const res = await fetch(`${world.server.url}/`, { headers: { accept: 'text/html,*/*' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    const issuer = world.server.services.config.identity.issuer;
    expect(html).toContain('<a href="http://127.0.0.1:7310/">Sign in to the Vigilo desktop</a>');
    expect(html).toContain(`<code>${issuer}</code>`);
    expect(html).toContain(`<a href="${issuer}/welcome">Choose your password</a>`);
    expect(html).toContain("fetch('/readyz')");
  });

  it('is plain text for a client asking for text/plain', async () => {
    const res = await fetch(`${world.server.url}/`, { headers: { accept: 'text/plain' } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain(`Sign-in (OIDC issuer): ${world.server.services.config.identity.issuer}`);
    expect(text).toContain('Desktop: http://127.0.0.1:7310/');
    expect(text).not.toContain('<');
  });
});
