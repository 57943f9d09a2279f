import { Readable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { FastifyInstance } from 'fastify';
import { auditExportHeader, auditExportLine, auditExportMime } from '@vigilo/shared/audit-export';
import { text } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { withWorkspace } from '../db/tx.ts';
import { auditFilterSchema, listAudit } from '../platform/audit-log.ts';
import type { Services } from '../services.ts';
import { authorize } from '../trpc/authorize.ts';
import { bearerFrom, createContext } from '../trpc/context.ts';

const querySchema = z.object({ format: z.enum(['csv', 'jsonl'], { error: 'format must be csv or jsonl' }) });
const paramsSchema = z.object({ workspace: text('workspace').min(1).max(100) });
const PAGE_SIZE = 1000;

/**
 * GET /api/workspaces/:workspace/audit/export?format=csv|jsonl&action=…&from=… — the audit log as a
 * streamed file for any filter, oldest first, read page by page (memory stays flat however long
 * the log). Plain HTTP because tRPC answers are not streams of bytes; same auth and role rule as
 * audit.list.
 */
export function registerAuditExport(app: FastifyInstance, services: Services): void {
  app.get<{ Params: { workspace: string }; Querystring: Record<string, string> }>(
    '/api/workspaces/:workspace/audit/export',
    async (req, reply) => {
      const ctx = createContext(services, String(req.id), bearerFrom(req.headers.authorization), req.ip);
      // Everything is validated before anything is sent: once the 200 and its headers are out, a
      // failure can only cut the connection.
      const params = paramsSchema.safeParse(req.params);
      const format = querySchema.safeParse(req.query);
      const filter = auditFilterSchema.safeParse(req.query);
      if (!params.success || !format.success || !filter.success) {
        const issue = (params.error ?? format.error ?? filter.error)?.issues[0];
        return reply.code(400).send({ error: `${issue?.path.join('.') || 'query'}: ${issue?.message}` });
      }
      let auth;
      try {
        auth = await authorize(ctx, 'audit', { workspace: params.data.workspace });
      } catch (err) {
        if (err instanceof TRPCError)
          return reply.code(getHTTPStatusCodeFromError(err)).send({ error: err.message });
        throw err;
      }
      const workspace = auth.workspace;
      if (!workspace) throw new Error('audit export without a workspace');
      const readPage = (cursor: number | undefined) =>
        withWorkspace(services.db.app, workspace.id, { actor: auth.actor, requestId: String(req.id) }, (tx) =>
          listAudit(tx, filter.data, { beforeSeq: cursor, limit: PAGE_SIZE, order: 'asc' }),
        );
      // The first page is read before the headers, so a failure there is still an error answer.
      const first = await readPage(undefined);
      const stamp = services.clock().toISOString().replace(/[:.]/g, '-');
      const as = format.data.format;
      reply
        .header('content-type', auditExportMime(as))
        .header('content-disposition', `attachment; filename="audit-${workspace.slug}-${stamp}.${as}"`);

      // The same columns and cells as the desktop's export (@vigilo/shared/audit-export).
      const stream = async function* () {
        const header = auditExportHeader(as);
        if (header) yield header;
        let page = first;
        for (;;) {
          for (const row of page.rows) yield auditExportLine(row, as);
          if (page.nextCursor === undefined) return;
          page = await readPage(page.nextCursor);
        }
      };
      // Readable.from keeps back-pressure: the next page is read only when the client drains.
      return reply.send(Readable.from(encode(stream())));
    },
  );
}

async function* encode(source: AsyncGenerator<string>) {
  for await (const chunk of source) yield Buffer.from(chunk, 'utf8');
}
