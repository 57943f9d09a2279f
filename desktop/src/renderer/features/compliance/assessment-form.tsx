import { ASSESSMENT_OUTCOMES } from '@vigilo/shared/vendor-assessment';
import { useState } from 'react';
import type { VendorDetail } from '../../../bridge/compliance.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, useFormWords } from '../change-admin/form-bits.tsx';

type Assessment = VendorDetail['assessments'][number];
type Answer = boolean | number | string;

/**
 * Records an open assessment (online): an answer per question by its type, findings and an
 * outcome. The server scores it and names what it refuses (an unanswered question, an answer of
 * the wrong type) beside the form.
 */
export function AssessmentForm({ assessment }: { assessment: Assessment }) {
  const [answers, setAnswers] = useState<Record<string, Answer>>({});
  const [findings, setFindings] = useState('');
  const [outcome, setOutcome] = useState<string>('approved');
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const answer = (id: string, value: Answer | undefined) =>
    setAnswers((a) => {
      const next = { ...a };
      if (value === undefined || value === '') delete next[id];
      else next[id] = value;
      return next;
    });
  return (
    <form
      {...formProps}
      aria-label={`Record assessment ${assessment.period}`}
      onSubmit={(e) => {
        e.preventDefault();
        void bridge
          .call('assessments.record', { assessmentId: assessment.id, answers, findings, outcome })
          .then((r) => {
            setErrors(r.ok ? {} : r.fieldErrors);
            setMessage(
              r.ok
                ? { ok: true, text: 'Assessment recorded.' }
                : { ok: false, text: `Not recorded: ${r.message}.` },
            );
          });
      }}
    >
      {assessment.questions.map((q) => (
        <label key={q.id} style={{ display: 'block' }}>
          {q.text} <span className="muted">(weight {q.weight})</span>{' '}
          {q.type === 'yes_no' ? (
            <select
              aria-label={`Answer ${q.id}`}
              value={answers[q.id] === undefined ? '' : String(answers[q.id])}
              onChange={(e) => answer(q.id, e.target.value === '' ? undefined : e.target.value === 'true')}
            >
              <option value="">—</option>
              <option value="true">yes</option>
              <option value="false">no</option>
            </select>
          ) : q.type === 'scale' ? (
            <select
              aria-label={`Answer ${q.id}`}
              value={answers[q.id] === undefined ? '' : String(answers[q.id])}
              onChange={(e) => answer(q.id, e.target.value === '' ? undefined : Number(e.target.value))}
            >
              <option value="">—</option>
              {[1, 2, 3, 4, 5].map((n) => (
                <option key={n}>{n}</option>
              ))}
            </select>
          ) : (
            <input
              aria-label={`Answer ${q.id}`}
              value={typeof answers[q.id] === 'string' ? (answers[q.id] as string) : ''}
              onChange={(e) => answer(q.id, e.target.value)}
            />
          )}
        </label>
      ))}
      <FieldError errors={errors} field="answers" />
      <label style={{ display: 'block' }}>
        Findings{' '}
        <textarea aria-label="Findings" value={findings} onChange={(e) => setFindings(e.target.value)} />
        <FieldError errors={errors} field="findings" />
      </label>
      <label>
        Outcome{' '}
        <select aria-label="Outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
          {ASSESSMENT_OUTCOMES.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
      </label>
      <button type="submit">Record assessment</button>
      {message ? (
        <span role="status" className={message.ok ? 'ok' : 'bad'} data-testid="assessment-form-outcome">
          {message.text}
        </span>
      ) : null}
    </form>
  );
}
