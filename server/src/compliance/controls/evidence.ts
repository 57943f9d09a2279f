import { createHash } from 'node:crypto';
import { EVIDENCE_FILE_MAX_BYTES } from '@vigilo/shared/frameworks';
import type { Actor, WorkspaceTx } from '../../db/tx.ts';
import { ActionRefused, invalidField } from '../../domain-errors.ts';
import { noControl } from './control-records.ts';
import { refreshNeedsEvidence } from './evidence-state.ts';

/**
 * Evidence for a control (`evidence.add/list/remove/file`): a link, or a file kept in Postgres
 * with its SHA-256 and size. The bytes live in evidence_files, which is not replicated; the
 * metadata in `evidence` is. Adding or removing evidence re-reads the control's need for it at
 * once, so the flip and its event do not wait for the evidence job.
 */

export type EvidenceSource =
  { kind: 'link'; url: string } | { kind: 'file'; name: string; mediaType: string; content: Buffer };

/** Evidence metadata, as listed and replicated. */
export type Evidence = {
  id: string;
  controlId: string;
  kind: 'file' | 'link';
  title: string;
  url: string | null;
  fileName: string | null;
  mediaType: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  effectiveAt: Date;
  expiresAt: Date | null;
  addedBy: string | null;
  addedAt: Date;
  /** At the read's `now`: effective and not expired. */
  current: boolean;
};

const SELECT = `SELECT id::text, control_id::text, kind, title, url, file_name, media_type, size_bytes::float8 AS size_bytes,
  sha256, effective_at, expires_at, added_by::text, added_at,
  (effective_at <= $2 AND (expires_at IS NULL OR expires_at > $2)) AS current FROM evidence`;

type Row = {
  id: string;
  control_id: string;
  kind: 'file' | 'link';
  title: string;
  url: string | null;
  file_name: string | null;
  media_type: string | null;
  size_bytes: number | null;
  sha256: string | null;
  effective_at: Date;
  expires_at: Date | null;
  added_by: string | null;
  added_at: Date;
  current: boolean;
};

const toEvidence = (r: Row): Evidence => ({
  id: r.id,
  controlId: r.control_id,
  kind: r.kind,
  title: r.title,
  url: r.url,
  fileName: r.file_name,
  mediaType: r.media_type,
  sizeBytes: r.size_bytes,
  sha256: r.sha256,
  effectiveAt: r.effective_at,
  expiresAt: r.expires_at,
  addedBy: r.added_by,
  addedAt: r.added_at,
  current: r.current,
});

/** Adds evidence to a control; refuses an expiry not after the effective date and a file over the cap. */
export async function addEvidence(
  tx: WorkspaceTx,
  input: {
    controlId: string;
    title: string;
    source: EvidenceSource;
    effectiveAt: Date;
    expiresAt: Date | null;
    actor: Actor;
    now: Date;
  },
): Promise<Evidence> {
  if (input.expiresAt !== null && input.expiresAt <= input.effectiveAt)
    throw invalidField(['expiresAt'], `must be after effectiveAt (${input.effectiveAt.toISOString()})`);
  const src = input.source;
  if (src.kind === 'file' && src.content.length > EVIDENCE_FILE_MAX_BYTES)
    throw invalidField(
      ['file', 'contentBase64'],
      `is ${src.content.length} bytes; a file may be at most ${EVIDENCE_FILE_MAX_BYTES} bytes (${EVIDENCE_FILE_MAX_BYTES / 1024 / 1024} MB)`,
    );
  const control = await tx.query('SELECT 1 FROM controls WHERE workspace_id = $1 AND id = $2 FOR SHARE', [
    tx.workspaceId,
    input.controlId,
  ]);
  if (control.rowCount === 0)
    throw invalidField(['controlId'], `no control ${input.controlId} in this workspace`);
  const file =
    src.kind === 'file'
      ? {
          name: src.name,
          mediaType: src.mediaType,
          size: src.content.length,
          sha256: createHash('sha256').update(src.content).digest('hex'),
        }
      : null;
  const addedBy = input.actor.type === 'user' ? input.actor.id : null;
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO evidence (workspace_id, control_id, kind, title, url, file_name, media_type, size_bytes, sha256,
       effective_at, expires_at, added_by, added_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id::text`,
    [
      tx.workspaceId,
      input.controlId,
      src.kind,
      input.title,
      src.kind === 'link' ? src.url : null,
      file?.name ?? null,
      file?.mediaType ?? null,
      file?.size ?? null,
      file?.sha256 ?? null,
      input.effectiveAt,
      input.expiresAt,
      addedBy,
      input.now,
    ],
  );
  const id = rows[0]!.id;
  if (src.kind === 'file')
    await tx.query('INSERT INTO evidence_files (workspace_id, evidence_id, content) VALUES ($1, $2, $3)', [
      tx.workspaceId,
      id,
      src.content,
    ]);
  const evidence = await readEvidence(tx, id, input.now);
  const summary = {
    controlId: input.controlId,
    kind: src.kind,
    title: input.title,
    ...(src.kind === 'link'
      ? { url: src.url }
      : { fileName: file!.name, sizeBytes: file!.size, sha256: file!.sha256 }),
    effectiveAt: input.effectiveAt.toISOString(),
    expiresAt: input.expiresAt?.toISOString() ?? null,
  };
  await tx.record({
    action: 'evidence.added',
    target: { type: 'evidence', id },
    summary: { after: summary },
    event: 'evidence.added',
    payload: { id, ...summary },
  });
  await refreshNeedsEvidence(tx, input.now, input.controlId);
  return evidence;
}

/** A control's evidence (metadata), newest effective first. */
export async function listEvidence(
  tx: WorkspaceTx,
  input: { controlId: string; now: Date },
): Promise<Evidence[]> {
  const exists = await tx.query('SELECT 1 FROM controls WHERE workspace_id = $1 AND id = $2', [
    tx.workspaceId,
    input.controlId,
  ]);
  if (exists.rowCount === 0) throw noControl(input.controlId);
  const { rows } = await tx.query<Row>(
    `${SELECT} WHERE workspace_id = $1 AND control_id = $3 ORDER BY effective_at DESC, added_at DESC, id`,
    [tx.workspaceId, input.now, input.controlId],
  );
  return rows.map(toEvidence);
}

async function readEvidence(tx: WorkspaceTx, id: string, now: Date): Promise<Evidence> {
  const { rows } = await tx.query<Row>(`${SELECT} WHERE workspace_id = $1 AND id = $3`, [
    tx.workspaceId,
    now,
    id,
  ]);
  if (!rows[0]) throw noEvidence(id);
  return toEvidence(rows[0]);
}

const noEvidence = (id: string) => new ActionRefused('not_found', `id: no evidence ${id} in this workspace`);

/** Removes a piece of evidence (and its file); its control may need evidence again. */
export async function removeEvidence(
  tx: WorkspaceTx,
  input: { id: string; now: Date },
): Promise<{ id: string }> {
  const before = await readEvidence(tx, input.id, input.now);
  await tx.query('DELETE FROM evidence WHERE workspace_id = $1 AND id = $2', [tx.workspaceId, input.id]);
  await tx.record({
    action: 'evidence.removed',
    target: { type: 'evidence', id: input.id },
    summary: {
      before: { controlId: before.controlId, kind: before.kind, title: before.title, sha256: before.sha256 },
    },
    event: 'evidence.removed',
    payload: { id: input.id, controlId: before.controlId, title: before.title },
  });
  await refreshNeedsEvidence(tx, input.now, before.controlId);
  return { id: input.id };
}

/** A file's bytes, base64, with its metadata; refused for a link. */
export async function evidenceFile(
  tx: WorkspaceTx,
  input: { id: string; now: Date },
): Promise<Evidence & { contentBase64: string }> {
  const evidence = await readEvidence(tx, input.id, input.now);
  const { rows } = await tx.query<{ content: Buffer }>(
    'SELECT content FROM evidence_files WHERE workspace_id = $1 AND evidence_id = $2',
    [tx.workspaceId, input.id],
  );
  if (!rows[0]) throw invalidField(['id'], 'is a link, not a file');
  return { ...evidence, contentBase64: rows[0].content.toString('base64') };
}
