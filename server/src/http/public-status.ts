import type { FastifyInstance } from 'fastify';
import { statusPageSlug } from '@vigilo/shared/status-page';
import { readPublicStatusPage } from '../reliability/status-pages-public.ts';
import { renderStatusFeed, renderStatusPage } from '../reliability/status-pages-render.ts';
import type { Services } from '../services.ts';

/**
 * GET /status/:slug and /status/:slug/feed.atom — a workspace's public status page and its Atom
 * feed, without sign-in (server/src/reliability/status-pages-*.ts). Cached for a short while by
 * browsers and proxies: a page read by many at once during an outage costs one query set per
 * half minute per cache, and is at most that stale.
 */
const CACHE = 'public, max-age=30, stale-while-revalidate=30';

export function registerPublicStatus(app: FastifyInstance, services: Services): void {
  const load = async (slug: string) => {
    const parsed = statusPageSlug.safeParse(slug);
    if (!parsed.success) return undefined;
    return readPublicStatusPage(services.db, parsed.data, services.clock());
  };
  const notFound = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><main><h1>No such status page</h1></main></body></html>`;

  app.get<{ Params: { slug: string } }>('/status/:slug', async (req, reply) => {
    const page = await load(req.params.slug);
    if (!page)
      return reply.code(404).type('text/html; charset=utf-8').header('cache-control', CACHE).send(notFound);
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', CACHE)
      .header('x-content-type-options', 'nosniff')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      )
      .send(renderStatusPage(page, `/status/${page.slug}`));
  });

  app.get<{ Params: { slug: string } }>('/status/:slug/feed.atom', async (req, reply) => {
    const page = await load(req.params.slug);
    if (!page)
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .header('cache-control', CACHE)
        .send('not found');
    return reply
      .type('application/atom+xml; charset=utf-8')
      .header('cache-control', CACHE)
      .send(renderStatusFeed(page, `/status/${page.slug}`));
  });
}
