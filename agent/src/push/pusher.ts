/**
 * Drains the spool to the server, oldest first, one batch at a time. Owns the retry policy:
 * backoff with jitter on transient failures (honouring Retry-After), halving on 413, bisecting on
 * 400 until the one invalid snapshot is found and dropped as a reported loss, and stopping on 401
 * with the spool kept intact.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LossReport } from '@vigilo/shared/agent-protocol';
import {
  type BackoffCurve,
  backoffDelay,
  type RandomSource,
  validateBackoffPolicy,
} from '@vigilo/shared/backoff';
import type { Spool } from '../spool/spool.ts';
import { uuidv7 } from '../util/uuidv7.ts';
import type { PushClient } from './client.ts';

export interface PusherOptions {
  maxBatch?: number;
  maxBatchBytes?: number;
  /** How waits grow between failed pushes (default: full jitter from 1 s up to 5 min). */
  backoff?: BackoffCurve;
  /** The jitter's random source (default Math.random). */
  random?: RandomSource;
  /** Structured events for the daemon's log. */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

export interface PushStatus {
  state: 'idle' | 'pushing' | 'backing_off' | 'unauthorized';
  lastPushAt: string | null;
  lastError: string | null;
  consecutiveFailures: number;
  acknowledged: number;
  duplicates: number;
  configVersion: number | null;
}

/**
 * Full jitter (AWS architecture blog, "Exponential Backoff and Jitter"): a fleet of agents coming
 * back after an outage spreads out instead of stampeding the server. A server's Retry-After is a
 * floor, up to an hour: a longer one (a misconfigured proxy) must not park the agent for days.
 */
export const DEFAULT_PUSH_BACKOFF: BackoffCurve = {
  baseMs: 1000,
  capMs: 5 * 60_000,
  jitter: 'full',
  maxRetryAfterMs: 60 * 60_000,
};

export type DrainResult = 'empty' | 'unauthorized' | 'aborted';

export class Pusher {
  readonly status: PushStatus = {
    state: 'idle',
    lastPushAt: null,
    lastError: null,
    consecutiveFailures: 0,
    acknowledged: 0,
    duplicates: 0,
    configVersion: null,
  };
  private readonly maxBatch: number;
  private readonly maxBatchBytes: number;
  private readonly backoff: BackoffCurve;

  constructor(
    private readonly spool: Spool,
    private readonly client: PushClient,
    private readonly options: PusherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
    this.backoff = validateBackoffPolicy(options.backoff ?? DEFAULT_PUSH_BACKOFF);
  }

  private log(event: string, fields: Record<string, unknown>): void {
    this.options.log?.(event, fields);
  }

  /** Pushes until the spool is empty, the credential is refused, or `signal` aborts. */
  async drain(signal?: AbortSignal): Promise<DrainResult> {
    let limit = this.maxBatch;
    for (;;) {
      if (signal?.aborted) return 'aborted';
      const records = await this.spool.peek(limit, this.maxBatchBytes);
      const losses = this.spool.pendingLosses();
      if (records.length === 0 && losses.length === 0) {
        this.status.state = 'idle';
        return 'empty';
      }
      this.status.state = 'pushing';
      const outcome = await this.client.push(
        records.map((r) => r.json),
        losses,
      );
      switch (outcome.kind) {
        case 'acknowledged': {
          const { response } = outcome;
          const covered = new Set([...response.accepted, ...response.duplicate]);
          let done = 0;
          while (done < records.length && covered.has(records[done]!.id)) done++;
          if (done > 0) await this.spool.ack(records[done - 1]!.end);
          await this.spool.ackLosses(response.losses_recorded);
          this.status.acknowledged += done;
          this.status.duplicates += response.duplicate.length;
          this.status.lastPushAt = new Date().toISOString();
          this.status.configVersion = response.config_version;
          this.log('push.acknowledged', {
            batch_id: response.batch_id,
            count: done,
            duplicate: response.duplicate.length,
          });
          if (done < records.length) {
            // The server must name every snapshot it took; one it did not name is retried.
            if (
              !(await this.wait(
                null,
                `acknowledgement is missing ${records.length - done} snapshot id(s)`,
                signal,
              ))
            )
              return 'aborted';
          } else {
            this.status.consecutiveFailures = 0;
            this.status.lastError = null;
            limit = this.maxBatch;
          }
          break;
        }
        case 'retry':
          this.log('push.retry', { status: outcome.status, detail: outcome.detail });
          if (!(await this.wait(outcome.retryAfterMs, outcome.detail, signal))) return 'aborted';
          break;
        case 'unauthorized':
          this.status.state = 'unauthorized';
          this.status.lastError = outcome.detail;
          this.log('push.unauthorized', { detail: outcome.detail });
          return 'unauthorized';
        case 'too_large':
        case 'invalid':
          if (records.length > 1) {
            limit = Math.max(1, Math.floor(records.length / 2));
            this.log('push.split', { kind: outcome.kind, next_batch: limit, detail: outcome.detail });
          } else if (records.length === 1) {
            await this.dropRejected(records[0]!, outcome.detail);
          } else {
            // Only loss reports were sent and refused; they cannot be fixed by retrying.
            await this.spool.ackLosses(losses.map((l) => l.id));
          }
          break;
        default: {
          const never: never = outcome;
          throw new Error(`unhandled push outcome ${JSON.stringify(never)}`);
        }
      }
    }
  }

  private async dropRejected(
    record: { id: string; scannedAt: string | null; end: { segment: number; offset: number } },
    detail: string,
  ) {
    const loss: LossReport = {
      id: uuidv7(),
      dropped: 1,
      oldest_scanned_at: record.scannedAt,
      newest_scanned_at: record.scannedAt,
      reason: 'rejected_by_server',
    };
    this.log('push.rejected', { snapshot_id: record.id, detail });
    await this.spool.recordLoss(loss);
    await this.spool.ack(record.end);
  }

  /** Backs off; false when aborted while waiting. */
  private async wait(retryAfterMs: number | null, detail: string, signal?: AbortSignal): Promise<boolean> {
    const delay = backoffDelay(this.backoff, this.status.consecutiveFailures + 1, {
      retryAfterMs,
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    this.status.consecutiveFailures++;
    this.status.lastError = detail;
    this.status.state = 'backing_off';
    try {
      await sleep(delay, undefined, signal ? { signal } : {});
      return true;
    } catch {
      return false;
    }
  }
}
