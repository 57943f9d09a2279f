import { EVIDENCE_FILE_MAX_BYTES } from '@vigilo/shared/frameworks';
import { instant, text } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import {
  addEvidence,
  evidenceFile,
  listEvidence,
  removeEvidence,
} from '../../compliance/controls/evidence.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/** Base64 of the largest file accepted (4 characters per 3 bytes, padded). */
const MAX_BASE64 = Math.ceil(EVIDENCE_FILE_MAX_BYTES / 3) * 4;
const MB = EVIDENCE_FILE_MAX_BYTES / 1024 / 1024;

const file = z.object(
  {
    name: text('file.name')
      .trim()
      .min(1, 'file.name must not be empty')
      .max(255, 'file.name must be at most 255 characters'),
    mediaType: text('file.mediaType').max(255).default('application/octet-stream'),
    // Checked by length before decoding, so an oversized upload is refused without a 5 MB copy.
    contentBase64: z
      .string({ error: 'file.contentBase64 must be the file as base64' })
      .max(MAX_BASE64, `is larger than ${EVIDENCE_FILE_MAX_BYTES} bytes (${MB} MB), the most a file may be`)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'file.contentBase64 must be base64'),
  },
  { error: 'file must be {name, mediaType, contentBase64}' },
);

export const evidenceRouter = router({
  /** A control's evidence (metadata only), newest first, each marked current or not. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, controlId: z.uuid('controlId must be a control id') }))
    .query(({ ctx, input }) =>
      ctx.tx((tx) => listEvidence(tx, { controlId: input.controlId, now: ctx.services.clock() })),
    ),

  /** A file's bytes (base64) with its metadata. */
  file: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be an evidence id') }))
    .query(({ ctx, input }) => ctx.tx((tx) => evidenceFile(tx, { id: input.id, now: ctx.services.clock() }))),

  /**
   * Adds a link (`url`) or a file (`file`, base64, at most 5 MB) as evidence for a control, valid
   * from `effectiveAt` (now if left out) until `expiresAt` (never if left out).
   */
  add: workspaceProcedure
    .input(
      z
        .object({
          workspace: workspaceRef,
          controlId: z.uuid('controlId must be a control id'),
          title: text('title')
            .trim()
            .min(1, 'title must not be empty')
            .max(200, 'title must be at most 200 characters'),
          url: z
            .url({ protocol: /^https?$/, error: 'url must be an http(s) address' })
            .max(2000)
            .optional(),
          file: file.optional(),
          effectiveAt: instant('effectiveAt').optional(),
          expiresAt: instant('expiresAt').nullable().optional(),
        })
        .refine((v) => (v.url === undefined) !== (v.file === undefined), {
          path: ['url'],
          message: 'give either url (a link) or file, not both or neither',
        }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => {
        const now = ctx.services.clock();
        return addEvidence(tx, {
          controlId: input.controlId,
          title: input.title,
          source: input.file
            ? {
                kind: 'file',
                name: input.file.name,
                mediaType: input.file.mediaType,
                content: Buffer.from(input.file.contentBase64, 'base64'),
              }
            : { kind: 'link', url: input.url! },
          effectiveAt: input.effectiveAt ?? now,
          expiresAt: input.expiresAt ?? null,
          actor: ctx.auth.actor,
          now,
        });
      }),
    ),

  /** Removes a piece of evidence and its file. */
  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be an evidence id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => removeEvidence(tx, { id: input.id, now: ctx.services.clock() })),
    ),
});
