import { CHANNEL_SECRET_FIELDS, type ChannelType } from '@vigilo/shared/channels';
import type { SecretBox } from '../integrations/secrets.ts';

type Json = Record<string, unknown>;

/**
 * Splits a channel config into what may be stored and shown (`visible`) and the credentials,
 * which are sealed with AES-256-GCM and never returned by the API (`sealed`).
 */
export function sealChannelConfig(
  box: SecretBox,
  channelId: string,
  type: ChannelType,
  config: Json,
): { visible: Json; sealed: string } {
  const visible = structuredClone(config);
  const secrets: Record<string, unknown> = {};
  for (const field of CHANNEL_SECRET_FIELDS[type]) {
    const value = take(visible, field.split('.'));
    if (value !== undefined) secrets[field] = value;
  }
  return { visible, sealed: box.seal(JSON.stringify(secrets), { context: sealContext(channelId) }) };
}

/** The full config again, for a delivery attempt. */
export function openChannelConfig(
  box: SecretBox,
  channelId: string,
  visible: Json,
  sealed: string | null,
): Json {
  const config = structuredClone(visible);
  if (!sealed) return config;
  const secrets = JSON.parse(box.open(sealed, { context: sealContext(channelId) })) as Record<
    string,
    unknown
  >;
  for (const [field, value] of Object.entries(secrets)) put(config, field.split('.'), value);
  return config;
}

/** Binds a sealed value to its row: copied into another channel's row, it no longer opens. */
function sealContext(channelId: string): string {
  return `channel:${channelId}`;
}

/** Which secret fields a visible config has set, for display ("set" / "not set"). */
export function secretFieldsOf(type: ChannelType): readonly string[] {
  return CHANNEL_SECRET_FIELDS[type];
}

function take(obj: Json, path: string[]): unknown {
  const [head, ...rest] = path;
  if (head === undefined || obj === null || typeof obj !== 'object') return undefined;
  if (rest.length === 0) {
    const value = obj[head];
    delete obj[head];
    return value;
  }
  const child = obj[head];
  return child && typeof child === 'object' ? take(child as Json, rest) : undefined;
}

function put(obj: Json, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    obj[head] = value;
    return;
  }
  const child = (obj[head] ??= {}) as Json;
  put(child, rest, value);
}
