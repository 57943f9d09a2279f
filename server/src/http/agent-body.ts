import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type ApiErrorCode, PUSH_LIMITS } from '@vigilo/shared/agent-protocol';
import type { FastifyRequest, preParsingHookHandler } from 'fastify';
import { keepRaw, rawChunks } from './raw-body.ts';

/**
 * Reading agent push bodies, which may be gzip-compressed: a body of a few kilobytes can claim
 * gigabytes, so inflation is bounded while it streams, and every way it can fail (bad gzip, a
 * bomb, an agent hanging up) ends in one typed error on the stream Fastify reads — never in an
 * 'error' event nobody listens to, which would exit the process.
 */

export type BodyLimits = {
  /** Inflated bytes a push may have (and compressed bytes it may send). */
  maxBytes: number;
  /** Inflated / compressed above this is a bomb: real batches compress about 20–70 : 1. */
  maxRatio: number;
  /** The ratio is judged only past this many inflated bytes (tiny bodies compress oddly). */
  ratioFloorBytes: number;
};

export const AGENT_BODY_LIMITS: Readonly<BodyLimits> = Object.freeze({
  maxBytes: PUSH_LIMITS.maxBatchBytes * 2,
  maxRatio: 200,
  ratioFloorBytes: 1024 * 1024,
});

/** A push body the server will not read; the agent API answers it with `status` and `code`. */
export class AgentBodyError extends Error {
  override readonly name = 'AgentBodyError';
  constructor(
    readonly statusCode: 400 | 413 | 415,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const tooLarge = (why: string) =>
  new AgentBodyError(413, 'batch_too_large', `the batch is too large (${why}): send fewer snapshots`);

/** Fastify compares this with content-length, and with the body limit, instead of inflated bytes. */
type Metered = Readable & { receivedEncodedLength: number };

/**
 * Inflates `source` (a gzip stream) within `limits`. The returned stream carries the JSON bytes,
 * or fails with an AgentBodyError: 413 past the size or ratio, 400 for anything that is not
 * complete gzip or a connection that broke off. On failure the source is detached and drained,
 * not destroyed, so the answer can still be written on its socket.
 */
export function inflateBounded(
  source: Readable,
  limits: BodyLimits = AGENT_BODY_LIMITS,
  /** Sees each compressed chunk as it arrives (the receiver keeps them: raw-body.ts). */
  onCompressed?: (chunk: Buffer) => void,
): Readable {
  let compressed = 0;
  let inflated = 0;
  let failed = false;
  const gunzip = createGunzip();
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      inflated += chunk.length;
      if (inflated > limits.maxBytes) return done(tooLarge('inflated size'));
      // Against the compressed bytes zlib has consumed so far (not merely received), so a bomb
      // is stopped after about ratioFloorBytes of inflation, whatever size its chunks arrive in.
      if (inflated > limits.ratioFloorBytes && inflated > limits.maxRatio * gunzip.bytesWritten)
        return done(tooLarge('compression ratio'));
      done(null, chunk);
    },
  }) as Transform & Metered;
  out.receivedEncodedLength = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      compressed += chunk.length;
      out.receivedEncodedLength = compressed;
      if (compressed > limits.maxBytes) return done(tooLarge('compressed size'));
      onCompressed?.(chunk);
      done(null, chunk);
    },
  });

  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    source.unpipe(meter);
    // Drained rather than destroyed: the answer still goes out on this socket (with
    // `connection: close`, which ends the draining with it).
    source.resume();
    const typed =
      err instanceof AgentBodyError
        ? err
        : new AgentBodyError(
            400,
            'invalid_request',
            source.readableAborted || (err as { code?: string }).code === 'ECONNRESET'
              ? 'the request body was cut off'
              : 'the body is not valid gzip',
          );
    meter.destroy();
    gunzip.destroy();
    out.destroy(typed);
  };
  // Every stream in the chain has a listener, for the whole of its life: Fastify stops listening
  // once it has answered, and an error emitted after that must not reach the process.
  for (const stream of [source, meter, gunzip, out]) stream.on('error', fail);
  source.pipe(meter).pipe(gunzip).pipe(out);
  return out;
}

const isJson = (req: FastifyRequest) => /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');

/**
 * A preParsing hook for the agent API. Identity bodies pass through (Fastify's body limit holds);
 * with `gzip`, gzip bodies are inflated within AGENT_BODY_LIMITS; any other content-encoding is a
 * 415. Bodies that are not JSON pass untouched: Fastify refuses them (415) without reading them.
 */
export function agentBodyHook(opts: {
  gzip: boolean;
  /** Keep the body's bytes as received, for rawBodyOf (raw-body.ts). */
  keepRaw?: boolean;
}): preParsingHookHandler {
  return (req, _reply, payload, done) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase().slice(0, 40);
    if (!isJson(req)) return done(null, payload);
    if (encoding === 'identity')
      return done(null, opts.keepRaw ? keepRaw(req, 'identity', payload) : payload);
    if (encoding !== 'gzip' || !opts.gzip) {
      const allowed = opts.gzip ? 'gzip or none' : 'none';
      return done(
        new AgentBodyError(
          415,
          'unsupported_media_type',
          `content-encoding ${encoding} is not accepted here (${allowed})`,
        ),
        payload,
      );
    }
    done(null, inflateBounded(payload, AGENT_BODY_LIMITS, opts.keepRaw ? rawChunks(req, 'gzip') : undefined));
  };
}
