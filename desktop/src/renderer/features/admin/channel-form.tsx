import {
  CHANNEL_TYPES,
  type ChannelType,
  SMTP_SECURITY_MODES,
  type SmtpSecurity,
} from '@vigilo/shared/channels';
import { useState } from 'react';
import type { ChannelView } from '../../../bridge/alerting-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, Outcome, words } from '../change-admin/form-bits.tsx';

export const CHANNEL_LABELS: Record<ChannelType, string> = {
  webhook: 'Webhook',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  pagerduty: 'PagerDuty',
  email: 'Email',
};

/** The draft's fields typed as text. */
type TextKey = Exclude<keyof ChannelDraft, 'id' | 'type' | 'security'>;

export type ChannelDraft = {
  id: string | undefined;
  name: string;
  type: ChannelType;
  eventTypes: string;
  url: string;
  routingKey: string;
  signingSecret: string;
  eventsUrl: string;
  host: string;
  port: string;
  security: SmtpSecurity;
  from: string;
  to: string;
  authUser: string;
  authPassword: string;
  caPem: string;
};

export const blankChannel = (): ChannelDraft => ({
  id: undefined,
  name: '',
  type: 'webhook',
  eventTypes: 'alert.*',
  url: '',
  routingKey: '',
  signingSecret: '',
  eventsUrl: '',
  host: '',
  port: '587',
  security: 'starttls',
  from: '',
  to: '',
  authUser: '',
  authPassword: '',
  caPem: '',
});

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** An edit starts from the visible settings; secrets stay blank ("kept") unless retyped. */
export function fromChannel(c: ChannelView): ChannelDraft {
  const cfg = c.config;
  const auth = typeof cfg.auth === 'object' && cfg.auth !== null ? (cfg.auth as Record<string, unknown>) : {};
  return {
    ...blankChannel(),
    id: c.id,
    name: c.name,
    type: c.type,
    eventTypes: c.eventTypes.join(', '),
    url: text(cfg.url),
    eventsUrl: text(cfg.eventsUrl),
    host: text(cfg.host),
    port: typeof cfg.port === 'number' ? String(cfg.port) : '',
    security: (SMTP_SECURITY_MODES as readonly string[]).includes(text(cfg.security))
      ? (cfg.security as SmtpSecurity)
      : 'starttls',
    from: text(cfg.from),
    to: Array.isArray(cfg.to) ? cfg.to.map(text).join(', ') : '',
    authUser: text(auth.user),
    caPem: text(cfg.caPem),
  };
}

/**
 * The config a draft sends. On an edit a secret left blank is left out (the server keeps it) and
 * an optional setting cleared is sent as null (the server removes it).
 */
function configOf(d: ChannelDraft): Record<string, unknown> {
  const editing = d.id !== undefined;
  const secret = (key: string, value: string) => (value || !editing ? { [key]: value } : {});
  const optional = (key: string, value: string) =>
    value ? { [key]: value } : editing ? { [key]: null } : {};
  switch (d.type) {
    case 'webhook':
      return { url: d.url };
    case 'slack':
    case 'teams':
      return secret('url', d.url);
    case 'pagerduty':
      return {
        ...secret('routingKey', d.routingKey),
        // Optional even on creation: PagerDuty makes the subscription's secret only once the
        // subscription points at the inbound URL this save returns.
        ...(d.signingSecret ? { signingSecret: d.signingSecret } : {}),
        ...optional('eventsUrl', d.eventsUrl),
      };
    case 'email':
      return {
        host: d.host,
        port: /^\s*\d{1,5}\s*$/.test(d.port) ? Number(d.port) : 0,
        security: d.security,
        from: d.from,
        to: words(d.to),
        ...optional('caPem', d.caPem),
        ...(d.authUser
          ? { auth: { user: d.authUser, ...secret('password', d.authPassword) } }
          : editing
            ? { auth: null }
            : {}),
      };
    default: {
      const never: never = d.type;
      throw new Error(`unknown channel type ${String(never)}`);
    }
  }
}

/** One labelled input of the form, with the server's words for its field under it. */
function Field(props: {
  label: string;
  field: string;
  value: string;
  onChange: (v: string) => void;
  errors: Record<string, string>;
  placeholder?: string;
  type?: string;
}) {
  return (
    <label>
      {props.label}
      <input
        type={props.type ?? 'text'}
        value={props.value}
        placeholder={props.placeholder}
        onChange={(e) => props.onChange(e.target.value)}
      />
      <FieldError errors={props.errors} field={props.field} />
    </label>
  );
}

/** Creates a channel of any kind, or edits one; a new webhook's secret is handed to `onDone`. */
export function ChannelForm(props: {
  draft: ChannelDraft;
  onDone: (
    saved: { name: string; webhookSecret: string | undefined; inboundUrl: string | undefined } | undefined,
  ) => void;
}) {
  const [d, setD] = useState(props.draft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const editing = d.id !== undefined;
  const kept = editing ? 'set: leave blank to keep it' : undefined;
  const set = (patch: Partial<ChannelDraft>) => setD({ ...d, ...patch });
  const save = async () => {
    const result = await bridge.call('channels.save', {
      ...(d.id ? { id: d.id } : {}),
      name: d.name,
      type: d.type,
      config: configOf(d),
      eventTypes: words(d.eventTypes),
    });
    if (result.ok)
      props.onDone({ name: d.name, webhookSecret: result.webhookSecret, inboundUrl: result.inboundUrl });
    else {
      setErrors(result.fieldErrors);
      setMessage({ ok: false, text: `Not saved: ${result.message}.` });
    }
  };
  const field = (
    label: string,
    key: TextKey,
    path: string,
    extra: { placeholder?: string | undefined; type?: string } = {},
  ) => (
    <Field
      label={label}
      field={path}
      value={d[key]}
      onChange={(v) => set({ [key]: v })}
      errors={errors}
      {...extra}
    />
  );
  return (
    <form
      className="change-form"
      aria-label={editing ? 'Edit channel' : 'New channel'}
      data-testid="channel-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {field('Channel name', 'name', 'name')}
      <label>
        Kind
        <select
          value={d.type}
          disabled={editing}
          onChange={(e) => set({ type: e.target.value as ChannelType })}
        >
          {CHANNEL_TYPES.map((t) => (
            <option key={t} value={t}>
              {CHANNEL_LABELS[t]}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="type" />
      </label>
      {d.type === 'webhook' ? (
        <>
          {field('Receiver URL', 'url', 'config.url', { placeholder: 'https://hooks.example.com/vigilo' })}
          <p className="hint">
            {editing
              ? 'Deliveries are signed with the secret shown when the channel was created.'
              : 'Vigilo makes the signing secret and shows it once, after saving.'}
          </p>
        </>
      ) : null}
      {d.type === 'slack' || d.type === 'teams'
        ? field('Incoming webhook URL', 'url', 'config.url', {
            placeholder: kept ?? 'https://…',
            type: 'password',
          })
        : null}
      {d.type === 'pagerduty' ? (
        <>
          {field('Integration key (Events API v2)', 'routingKey', 'config.routingKey', {
            placeholder: kept,
            type: 'password',
          })}
          {field('Events URL (blank: PagerDuty’s own)', 'eventsUrl', 'config.eventsUrl')}
          {field(
            'Signing secret of the V3 webhook subscription (acknowledge and resolve from PagerDuty)',
            'signingSecret',
            'config.signingSecret',
            {
              placeholder: editing ? 'leave blank to keep it' : 'after saving, subscribe and paste it here',
              type: 'password',
            },
          )}
        </>
      ) : null}
      {d.type === 'email' ? (
        <>
          {field('SMTP host', 'host', 'config.host', { placeholder: 'smtp.example.com' })}
          {field('SMTP port', 'port', 'config.port')}
          <label>
            Connection security
            <select value={d.security} onChange={(e) => set({ security: e.target.value as SmtpSecurity })}>
              <option value="starttls">STARTTLS (usually 587)</option>
              <option value="tls">TLS from the start (usually 465)</option>
              <option value="none">None (trusted local relay only)</option>
            </select>
            <FieldError errors={errors} field="config.security" />
          </label>
          {field('From', 'from', 'config.from', { placeholder: 'vigilo@example.com' })}
          {field('To (comma-separated)', 'to', 'config.to', { placeholder: 'ops@example.com' })}
          {field('SMTP user (blank: no login)', 'authUser', 'config.auth.user')}
          {d.authUser
            ? field('SMTP password', 'authPassword', 'config.auth.password', {
                placeholder: kept,
                type: 'password',
              })
            : null}
          <label>
            Extra CA certificates (PEM, for a relay with a private CA)
            <textarea value={d.caPem} rows={3} onChange={(e) => set({ caPem: e.target.value })} />
            <FieldError errors={errors} field="config.caPem" />
          </label>
        </>
      ) : null}
      {field('Events (comma-separated: alert.*, alert.opened, *)', 'eventTypes', 'eventTypes')}
      <div className="actions">
        <button type="submit">Save channel</button>
        <button type="button" onClick={() => props.onDone(undefined)}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="channel-form-result" />
    </form>
  );
}
