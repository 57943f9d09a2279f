import { useState } from 'react';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, useFormWords } from '../change-admin/form-bits.tsx';
import { useBridge } from './use-bridge.ts';

const HOST_TABLES = ['hosts'];

const RATINGS = [1, 2, 3, 4, 5];

/** Records a risk (online): the server checks it and names each refused field beside it. */
export function NewRiskForm() {
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState('');
  const [likelihood, setLikelihood] = useState(3);
  const [impact, setImpact] = useState(3);
  const [hostId, setHostId] = useState('');
  const hosts = useBridge('hosts.list', {}, HOST_TABLES).data ?? [];
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  return (
    <form
      {...formProps}
      className="filters"
      aria-label="Record a risk"
      onSubmit={(e) => {
        e.preventDefault();
        void bridge
          .call('risks.create', {
            title,
            category,
            likelihood,
            impact,
            ...(hostId ? { hostIds: [hostId] } : {}),
          })
          .then((r) => {
            setErrors(r.ok ? {} : r.fieldErrors);
            setMessage(
              r.ok
                ? { ok: true, text: 'Risk recorded.' }
                : { ok: false, text: `Not recorded: ${r.message}.` },
            );
            if (r.ok) {
              setTitle('');
              setCategory('');
            }
          });
      }}
    >
      <label>
        Title <input aria-label="Risk title" value={title} onChange={(e) => setTitle(e.target.value)} />
        <FieldError errors={errors} field="title" />
      </label>
      <label>
        Category{' '}
        <input aria-label="Risk category" value={category} onChange={(e) => setCategory(e.target.value)} />
        <FieldError errors={errors} field="category" />
      </label>
      <label>
        Likelihood{' '}
        <select
          aria-label="Likelihood"
          value={likelihood}
          onChange={(e) => setLikelihood(Number(e.target.value))}
        >
          {RATINGS.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <FieldError errors={errors} field="likelihood" />
      </label>
      <label>
        Impact{' '}
        <select aria-label="Impact" value={impact} onChange={(e) => setImpact(Number(e.target.value))}>
          {RATINGS.map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <FieldError errors={errors} field="impact" />
      </label>
      <label>
        Host{' '}
        <select aria-label="Risk host" value={hostId} onChange={(e) => setHostId(e.target.value)}>
          <option value="">none</option>
          {hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.hostname}:{h.port}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="hostIds" />
      </label>
      <button type="submit">Record risk</button>
      {message ? (
        <span role="status" className={message.ok ? 'ok' : 'bad'} data-testid="risk-form-outcome">
          {message.text}
        </span>
      ) : null}
    </form>
  );
}
