import { useCallback, useEffect, useState } from 'react';
import type { ChannelView, DeliveryView } from '../../../bridge/alerting-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { Outcome } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { useNewIntent } from './new-intent.ts';
import { DeliveryLog, deliveryWords } from './channel-deliveries.tsx';
import {
  blankChannel,
  CHANNEL_LABELS,
  type ChannelDraft,
  ChannelForm,
  fromChannel,
} from './channel-form.tsx';

/** How often, and how many times, the page looks for a test event's first attempt. */
const TEST_POLL_MS = 1000;
const TEST_POLLS = 30;

/** Where a channel delivers, in words, never a secret. */
function destination(c: ChannelView): string {
  const cfg = c.config;
  switch (c.type) {
    case 'webhook':
      return typeof cfg.url === 'string' ? cfg.url : '';
    case 'slack':
    case 'teams':
      return 'incoming webhook (kept sealed)';
    case 'pagerduty':
      return 'Events API v2 integration';
    case 'email': {
      const to = Array.isArray(cfg.to) ? cfg.to.join(', ') : '';
      return `to ${to} via ${String(cfg.host)}:${String(cfg.port)}`;
    }
    default: {
      const never: never = c.type;
      return String(never);
    }
  }
}

/** The secret of the webhook just created: shown this once, with a copy button. */
function SecretOnce(props: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret);
      setCopied('Copied.');
    } catch {
      setCopied('Could not copy: select the secret and copy it by hand.');
    }
  };
  return (
    <div className="secret-once" role="region" aria-label="Signing secret" data-testid="webhook-secret-panel">
      <p>
        Signing secret of <strong>{props.name}</strong>. It is shown this once: Vigilo keeps only a sealed
        copy and cannot show it again. Give it to the receiver to verify each delivery’s signature.
      </p>
      <code data-testid="webhook-secret">{props.secret}</code>{' '}
      <button onClick={() => void copy()}>Copy</button>{' '}
      <button onClick={props.onDone}>I have saved it</button>
      {copied ? <span role="status"> {copied}</span> : null}
    </div>
  );
}

/** One channel: where it delivers, its state, and what an admin can do with it. */
function ChannelRow(props: {
  channel: ChannelView;
  canEdit: boolean;
  onEdit: () => void;
  onChanged: (message: { ok: boolean; text: string }) => void;
}) {
  const c = props.channel;
  const [log, setLog] = useState<DeliveryView[] | undefined>();
  const [testing, setTesting] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);
  const loadLog = async () => {
    const result = await bridge.call('channels.deliveries', { id: c.id });
    if (result.ok) setLog(result.deliveries);
    else setTesting(result.message);
    return result.ok ? result.deliveries : [];
  };
  const sendTest = async () => {
    setTesting('Sending a test event…');
    const sent = await bridge.call('channels.test', { id: c.id });
    if (!sent.ok) return setTesting(`Not sent: ${sent.message}`);
    // The delivery worker sends it within a few seconds; its first attempt is the answer.
    for (let i = 0; i < TEST_POLLS; i++) {
      await new Promise((r) => setTimeout(r, TEST_POLL_MS));
      const delivery = (await loadLog()).find((d) => d.id === sent.deliveryId);
      if (delivery && delivery.log.length > 0) return setTesting(`Test event: ${deliveryWords(delivery)}`);
    }
    setTesting('The test event is queued but no attempt was made yet: see the delivery log later.');
  };
  const setEnabled = async (enabled: boolean) => {
    const result = await bridge.call('channels.setEnabled', { id: c.id, enabled });
    props.onChanged(
      result.ok
        ? { ok: true, text: `${enabled ? 'Re-enabled' : 'Disabled'} ${c.name}.` }
        : { ok: false, text: result.message },
    );
  };
  const remove = async () => {
    setConfirming(false);
    const result = await bridge.call('channels.remove', { id: c.id });
    props.onChanged(
      result.ok ? { ok: true, text: `Removed ${c.name}.` } : { ok: false, text: result.message },
    );
  };
  return (
    <li data-testid="channel-row" data-name={c.name} data-enabled={c.enabled}>
      <strong>{c.name}</strong> <span className="muted">{CHANNEL_LABELS[c.type]}</span>
      <div className="muted">
        {destination(c)} · events {c.eventTypes.join(', ')}
      </div>
      {c.enabled ? (
        c.consecutiveFailures > 0 ? (
          <div className="bad">{c.consecutiveFailures} failed deliveries in a row</div>
        ) : null
      ) : (
        <div className="bad" data-testid="channel-disabled">
          Disabled{c.disabledReason ? `: ${c.disabledReason}` : ''}
        </div>
      )}
      {props.canEdit ? (
        confirming ? (
          <span className="actions" role="group" aria-label={`Remove ${c.name}?`}>
            Remove {c.name} and its delivery log? <button onClick={() => void remove()}>Yes, remove</button>{' '}
            <button onClick={() => setConfirming(false)}>Keep it</button>
          </span>
        ) : (
          <span className="actions">
            <button onClick={props.onEdit}>Edit</button>{' '}
            <button onClick={() => void sendTest()}>Send test event</button>{' '}
            <button onClick={() => (log ? setLog(undefined) : void loadLog())}>
              {log ? 'Hide delivery log' : 'Delivery log'}
            </button>{' '}
            {c.enabled ? (
              <button onClick={() => void setEnabled(false)}>Disable</button>
            ) : (
              <button onClick={() => void setEnabled(true)}>Re-enable</button>
            )}{' '}
            <button onClick={() => setConfirming(true)}>Remove</button>
          </span>
        )
      ) : null}
      {testing ? (
        <p role="status" data-testid="test-result">
          {testing}
        </p>
      ) : null}
      {log ? <DeliveryLog deliveries={log} /> : null}
    </li>
  );
}

/**
 * Settings › Channels: where alerts and other events are delivered (webhook, Slack, Teams,
 * PagerDuty, email). Admins create and edit them online, send a test event, read the delivery
 * log and re-enable a channel the server disabled after failures. Offline the replica's channels
 * are shown read-only with the reason.
 */
export function ChannelsAdmin() {
  const isAdmin = useCan('administer');
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [live, setLive] = useState<{ live: boolean; note: string }>({ live: true, note: '' });
  const [editing, setEditing] = useState<ChannelDraft | undefined>();
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>();
  const [inbound, setInbound] = useState<{ name: string; url: string } | undefined>();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const list = await bridge.call('channels.list', {});
    if (list.ok) {
      setChannels(list.channels);
      setLive({ live: list.live, note: list.note });
    } else setMessage({ ok: false, text: list.message });
  }, []);
  useEffect(() => void load(), [load]);
  useNewIntent(isAdmin, () => setEditing(blankChannel()));
  const canEdit = isAdmin && live.live;
  return (
    <section aria-label="Channels" data-testid="page-channels">
      <h2>
        Channels{' '}
        {canEdit && !editing ? <button onClick={() => setEditing(blankChannel())}>New channel</button> : null}
      </h2>
      <p className="hint">
        Each channel receives the events it subscribes to. A channel that fails 20 deliveries in a row is
        disabled until an admin re-enables it.
      </p>
      {live.note ? (
        <p role="status" className="bad" data-testid="channels-offline">
          {live.note}
        </p>
      ) : null}
      {!isAdmin ? <p className="muted">Only admins can see and change channels.</p> : null}
      {secret ? <SecretOnce {...secret} onDone={() => setSecret(undefined)} /> : null}
      {inbound ? (
        <div role="region" aria-label="PagerDuty inbound" data-testid="pagerduty-inbound">
          <p>
            To acknowledge and resolve from PagerDuty, add a V3 webhook subscription (incident acknowledged
            and resolved) that delivers to <code data-testid="pagerduty-inbound-url">{inbound.url}</code>,
            then edit <strong>{inbound.name}</strong> and paste the subscription’s signing secret.
          </p>
          <button onClick={() => setInbound(undefined)}>Done</button>
        </div>
      ) : null}
      {editing ? (
        <ChannelForm
          key={editing.id ?? 'new'}
          draft={editing}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) {
              setMessage({ ok: true, text: `Saved ${saved.name}.` });
              if (saved.webhookSecret) setSecret({ name: saved.name, secret: saved.webhookSecret });
              setInbound(saved.inboundUrl ? { name: saved.name, url: saved.inboundUrl } : undefined);
            }
            void load();
          }}
        />
      ) : null}
      <Outcome message={message} testId="channels-result" />
      {isAdmin && channels.length === 0 ? (
        <p className="muted">No channel yet: alerts show in the desktop only.</p>
      ) : null}
      <ul className="plain">
        {channels.map((c) => (
          <ChannelRow
            key={c.id}
            channel={c}
            canEdit={canEdit}
            onEdit={() => setEditing(fromChannel(c))}
            onChanged={(m) => {
              setMessage(m);
              void load();
            }}
          />
        ))}
      </ul>
    </section>
  );
}
