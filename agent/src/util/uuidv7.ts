/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered, so snapshot ids sort
 * by scan time and the server's index on them stays append-mostly. Within one millisecond a
 * counter in rand_a keeps ids from one process strictly increasing.
 */
import { randomFillSync } from 'node:crypto';

let lastMs = -1;
let counter = 0;

/** A new UUIDv7 string; `nowMs` is injectable for tests. */
export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = randomFillSync(new Uint8Array(16));
  if (nowMs <= lastMs) {
    counter = (counter + 1) & 0xfff;
    if (counter === 0) lastMs++; // 4096 ids in one ms: borrow the next millisecond
    nowMs = lastMs;
  } else {
    lastMs = nowMs;
    counter = (bytes[6]! & 0x0f) * 256 + bytes[7]!; // random start, still monotonic within the ms
    counter &= 0x7ff; // leave headroom so the counter rarely wraps
  }
  let ms = nowMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
