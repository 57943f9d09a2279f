import { useCallback, useEffect, useRef, useState } from 'react';
import type { AgentPicker } from '../../../bridge/agents-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { useStore } from '../../store.ts';
import { FieldError, useFormWords } from '../change-admin/form-bits.tsx';

/** The picker's value for "let the server choose" (the default agent, or the only one). */
const SERVER_CHOOSES = '';
/** The picker's value for "no agent" (the host is added but nobody scans it; the list flags it). */
const NO_AGENT = 'none';

/**
 * Adds a host through the server (online only; offline the core says so in plain words), with
 * the agent that will scan it: the picker starts on the workspace's default agent. The server's
 * words for a refused field appear under that field, never its raw validation issues. The
 * command palette's "Add host" opens the certificates page with the intent 'add-host', which
 * lands the focus here once.
 */
export function AddHostForm() {
  const add = useStore((s) => s.addHost);
  const intent = useStore((s) => s.settingsIntent);
  const clearIntent = useStore((s) => s.clearSettingsIntent);
  const [hostname, setHostname] = useState('');
  const [port, setPort] = useState('443');
  const [tags, setTags] = useState('');
  const [agentId, setAgentId] = useState(SERVER_CHOOSES);
  const [picker, setPicker] = useState<AgentPicker | undefined>();
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const [busy, setBusy] = useState(false);
  const hostnameBox = useRef<HTMLInputElement>(null);

  const loadAgents = useCallback(async () => {
    const r = await bridge.call('agents.picker', {});
    if (!r.ok) return setPicker(undefined);
    setPicker({ agents: r.agents, defaultAgentId: r.defaultAgentId });
    setAgentId((current) => (current === SERVER_CHOOSES ? (r.defaultAgentId ?? SERVER_CHOOSES) : current));
  }, []);
  useEffect(() => void loadAgents(), [loadAgents]);

  useEffect(() => {
    if (intent !== 'add-host') return;
    clearIntent();
    hostnameBox.current?.scrollIntoView({ block: 'nearest' });
    hostnameBox.current?.focus();
  }, [intent, clearIntent]);

  const submit = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const result = await add({
        hostname,
        port: Number(port),
        tags: tags
          .split(/[\s,]+/)
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean),
        ...(agentId === SERVER_CHOOSES ? {} : { agentId: agentId === NO_AGENT ? null : agentId }),
      });
      if (result.ok) {
        setErrors({});
        const scanner = picker?.agents.find((a) => a.id === result.agentId)?.name;
        setMessage(
          result.agentId === null
            ? {
                ok: false,
                text: `Added ${hostname}:${port}, but ${result.warning ?? 'no agent will scan it'}.`,
              }
            : {
                ok: true,
                text: `Added ${hostname}:${port}; ${scanner ?? 'its agent'} scans it within seconds.`,
              },
        );
        setHostname('');
        setTags('');
      } else {
        setErrors(result.fieldErrors ?? {});
        setMessage({ ok: false, text: `Not added: ${result.message}.` });
      }
    } catch (err) {
      setMessage({ ok: false, text: `Not added: ${(err as Error).message}.` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      {...formProps}
      className="filters add-host"
      aria-label="Add host"
      // formProps: the browser's own message (an empty hostname) replaces an earlier answer, never
      // sits beside it, and typing or sending again clears what the last answer said.
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        Hostname
        <input
          ref={hostnameBox}
          aria-label="Hostname"
          placeholder="hostname"
          required
          value={hostname}
          onChange={(e) => setHostname(e.target.value)}
        />
        <FieldError errors={errors} field="hostname" />
      </label>
      <label>
        Port
        <input
          aria-label="Port"
          type="number"
          min={1}
          max={65535}
          value={port}
          onChange={(e) => setPort(e.target.value)}
        />
        <FieldError errors={errors} field="port" />
      </label>
      <label>
        Tags
        <input
          aria-label="Tags"
          placeholder="tags, comma separated"
          value={tags}
          onChange={(e) => setTags(e.target.value)}
        />
        <FieldError errors={errors} field="tags" />
      </label>
      <label>
        Agent
        <select
          aria-label="Agent"
          value={agentId}
          onChange={(e) => setAgentId(e.target.value)}
          onFocus={() => void loadAgents()}
        >
          {picker?.defaultAgentId ? null : (
            <option value={SERVER_CHOOSES}>Server chooses (no default agent)</option>
          )}
          {picker?.agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
              {a.id === picker.defaultAgentId ? ' (default)' : ''}
            </option>
          ))}
          <option value={NO_AGENT}>No agent (not scanned)</option>
        </select>
        <FieldError errors={errors} field="agentId" />
      </label>
      <button type="submit" disabled={busy}>
        Add host
      </button>
      {message ? (
        <span role="status" data-testid="add-host-result" className={message.ok ? 'ok' : 'bad'}>
          {message.text}
        </span>
      ) : null}
    </form>
  );
}
