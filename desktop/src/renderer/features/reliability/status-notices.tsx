import {
  NOTICE_STATUS_LABELS,
  type NoticeKind,
  type NoticeUpdateStatus,
  statusesOf,
} from '@vigilo/shared/status-page';
import { useState } from 'react';
import type { NoticeSection, StatusNoticeView, StatusPageSummary } from '../../../bridge/reliability.ts';
import { bridge } from '../../bridge/transport.ts';
import { localIn } from '../admin/people-bits.tsx';
import {
  FieldError,
  type FormMessage,
  instant,
  Outcome,
  useFormWords,
  when,
} from '../change-admin/form-bits.tsx';

const HOUR = 3_600_000;

/** The viewer's own time zone, named beside the times they type (datetime-local has none). */
const ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

const SECTIONS: Array<[NoticeSection, string, string]> = [
  ['active', 'Active incidents', 'No active incident.'],
  ['maintenance', 'Maintenance', 'No maintenance scheduled.'],
  ['recent', 'Ended in the last 14 days', ''],
];

/** What ends a notice of each kind, and the words offered for it. */
const ENDING: Record<NoticeKind, { status: NoticeUpdateStatus; verb: string; body: string }> = {
  incident: { status: 'resolved', verb: 'Resolve', body: 'This incident has been resolved.' },
  maintenance: { status: 'completed', verb: 'Complete', body: 'The maintenance is complete.' },
};

/**
 * Publishes an incident (it started now, or when the admin says) or a scheduled maintenance
 * (start and end in the viewer's own time zone) on one page, with its first update. The server
 * names what it refuses under each field.
 */
function NoticeForm(props: { page: StatusPageSummary; kind: NoticeKind; onDone: (m: FormMessage) => void }) {
  const { page, kind } = props;
  const incident = kind === 'incident';
  const [d, setD] = useState({
    title: '',
    componentIds: [] as string[],
    status: statusesOf(kind)[0] ?? '',
    startsAt: localIn(incident ? 0 : HOUR),
    endsAt: incident ? '' : localIn(3 * HOUR),
    body: '',
  });
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const toggle = (id: string, on: boolean) =>
    setD({ ...d, componentIds: on ? [...d.componentIds, id] : d.componentIds.filter((c) => c !== id) });
  const post = async () => {
    const r = await bridge.call('statusPages.postNotice', {
      pageId: page.id,
      kind,
      title: d.title,
      componentIds: d.componentIds,
      startsAt: instant(d.startsAt),
      endsAt: incident ? '' : instant(d.endsAt),
      status: d.status,
      body: d.body,
    });
    if (r.ok) props.onDone({ ok: true, text: `Posted ${d.title.trim()} on ${page.title}.` });
    else {
      setErrors(r.fieldErrors);
      setMessage({ ok: false, text: `Not posted: ${r.message}.` });
    }
  };
  return (
    <form
      {...formProps}
      className="change-form"
      aria-label={`${incident ? 'New incident' : 'Schedule maintenance'} on ${page.title}`}
      data-testid="notice-form"
      onSubmit={(e) => {
        e.preventDefault();
        void post();
      }}
    >
      <label>
        Public title
        <input value={d.title} onChange={(e) => setD({ ...d, title: e.target.value })} />
        <FieldError errors={errors} field="title" />
      </label>
      <label>
        Status
        <select value={d.status} onChange={(e) => setD({ ...d, status: e.target.value })}>
          {statusesOf(kind).map((s) => (
            <option key={s} value={s}>
              {NOTICE_STATUS_LABELS[s]}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="status" />
      </label>
      <fieldset>
        <legend>Affected components</legend>
        {page.components.length === 0 ? (
          <span className="muted">This page shows no component yet: the notice will name none.</span>
        ) : null}
        {page.components.map((c) => (
          <label key={c.id} className="inline">
            <input
              type="checkbox"
              checked={d.componentIds.includes(c.id)}
              onChange={(e) => toggle(c.id, e.target.checked)}
            />{' '}
            {c.publicName}
          </label>
        ))}
        <FieldError errors={errors} field="componentIds" />
      </fieldset>
      <label>
        {incident ? 'Started' : 'Starts'} ({ZONE})
        <input
          type="datetime-local"
          value={d.startsAt}
          onChange={(e) => setD({ ...d, startsAt: e.target.value })}
        />
        <FieldError errors={errors} field="startsAt" />
      </label>
      {incident ? null : (
        <label>
          Ends ({ZONE})
          <input
            type="datetime-local"
            value={d.endsAt}
            onChange={(e) => setD({ ...d, endsAt: e.target.value })}
          />
          <FieldError errors={errors} field="endsAt" />
        </label>
      )}
      <label className="wide">
        Message
        <textarea rows={3} value={d.body} onChange={(e) => setD({ ...d, body: e.target.value })} />
        <FieldError errors={errors} field="body" />
      </label>
      <p className="hint wide">
        The public sees the title, the components&apos; public names and the message: no hostname or internal
        title.
      </p>
      <div className="actions">
        <button type="submit">{incident ? 'Post incident' : 'Schedule maintenance'}</button>
        <button type="button" onClick={() => props.onDone(undefined)}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="notice-form-result" />
    </form>
  );
}

/** A new update on a notice: its status now and what to tell the public. Ending it is one status. */
function UpdateForm(props: { notice: StatusNoticeView; ending: boolean; onDone: (m: FormMessage) => void }) {
  const { notice } = props;
  const end = ENDING[notice.kind];
  const [d, setD] = useState<{ status: string; body: string }>({
    status: props.ending ? end.status : notice.status,
    body: props.ending ? end.body : '',
  });
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const post = async () => {
    const r = await bridge.call('statusPages.postUpdate', {
      noticeId: notice.id,
      status: d.status,
      body: d.body,
    });
    if (r.ok)
      props.onDone({
        ok: true,
        text:
          d.status === end.status
            ? `${notice.title}: ${NOTICE_STATUS_LABELS[end.status].toLowerCase()}.`
            : `Updated ${notice.title}.`,
      });
    else {
      setErrors(r.fieldErrors);
      setMessage({ ok: false, text: `Not posted: ${r.message}.` });
    }
  };
  return (
    <form
      {...formProps}
      className="change-form"
      aria-label={`Update ${notice.title}`}
      onSubmit={(e) => {
        e.preventDefault();
        void post();
      }}
    >
      <label>
        New status
        <select value={d.status} onChange={(e) => setD({ ...d, status: e.target.value })}>
          {statusesOf(notice.kind).map((s) => (
            <option key={s} value={s}>
              {NOTICE_STATUS_LABELS[s]}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="status" />
      </label>
      <label className="wide">
        Message
        <textarea rows={3} value={d.body} onChange={(e) => setD({ ...d, body: e.target.value })} />
        <FieldError errors={errors} field="body" />
      </label>
      <div className="actions">
        <button type="submit">
          {d.status === end.status ? `${end.verb} ${notice.kind}` : 'Post update'}
        </button>
        <button type="button" onClick={() => props.onDone(undefined)}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="update-form-result" />
    </form>
  );
}

/** When a notice runs, in the viewer's own time zone. */
function period(n: StatusNoticeView): string {
  if (n.kind === 'maintenance') return `${when(n.startsAt)} – ${n.endsAt ? when(n.endsAt) : 'open-ended'}`;
  return `since ${when(n.startsAt)}`;
}

/** One notice with its updates (newest first) and, for admins while it runs, update and end. */
function Notice(props: { notice: StatusNoticeView; canEdit: boolean; onDone: (m: FormMessage) => void }) {
  const { notice: n } = props;
  const [updating, setUpdating] = useState<'update' | 'end' | undefined>();
  const end = ENDING[n.kind];
  return (
    <li data-testid="status-notice" data-title={n.title}>
      <strong>{n.title}</strong> <span className="badge">{NOTICE_STATUS_LABELS[n.status]}</span>{' '}
      <span className="muted">
        {n.kind} {period(n)}
        {n.endedAt ? `, ended ${when(n.endedAt)}` : ''}
        {n.components.length ? ` · affects ${n.components.join(', ')}` : ''}
      </span>
      {n.overdue ? (
        <p className="bad">
          Its planned end has passed: the public page no longer shows it. Complete it to say so.
        </p>
      ) : null}
      <ul className="plain" aria-label={`Updates of ${n.title}`}>
        {n.updates.map((u) => (
          <li key={u.id} data-testid="notice-update">
            <strong>{NOTICE_STATUS_LABELS[u.status]}</strong> — {u.body}{' '}
            <span className="muted">{when(u.postedAt)}</span>
          </li>
        ))}
      </ul>
      {props.canEdit && !n.endedAt ? (
        updating ? (
          <UpdateForm
            notice={n}
            ending={updating === 'end'}
            onDone={(m) => {
              setUpdating(undefined);
              props.onDone(m);
            }}
          />
        ) : (
          <span className="actions">
            <button onClick={() => setUpdating('update')} aria-label={`Post an update on ${n.title}`}>
              Post update
            </button>{' '}
            <button onClick={() => setUpdating('end')} aria-label={`${end.verb} ${n.title}`}>
              {end.verb}
            </button>
          </span>
        )
      ) : null}
    </li>
  );
}

/**
 * A page's notices as the admin deals with them: active incidents, maintenance not completed,
 * and those ended in the last 14 days (what the public page lists). Admins post new ones and
 * updates; everyone else reads.
 */
export function Notices(props: { page: StatusPageSummary; canEdit: boolean; onChanged: () => void }) {
  const { page, canEdit } = props;
  const [posting, setPosting] = useState<NoticeKind | undefined>();
  const [message, setMessage] = useState<FormMessage>();
  const done = (m: FormMessage) => {
    setPosting(undefined);
    setMessage(m);
    if (m) props.onChanged();
  };
  return (
    <section aria-label={`Notices of ${page.title}`} data-testid="status-notices">
      <h4>
        Incidents and maintenance{' '}
        {canEdit && !posting ? (
          <>
            <button onClick={() => setPosting('incident')}>Post incident</button>{' '}
            <button onClick={() => setPosting('maintenance')}>Schedule maintenance</button>
          </>
        ) : null}
      </h4>
      {canEdit && posting ? <NoticeForm key={posting} page={page} kind={posting} onDone={done} /> : null}
      <Outcome message={message} testId="notices-result" />
      {SECTIONS.map(([section, title, empty]) => {
        const notices = page.notices.filter((n) => n.section === section);
        if (notices.length === 0 && !empty) return null;
        return (
          <div key={section} data-testid={`notices-${section}`}>
            <h5>{title}</h5>
            {notices.length === 0 ? <p className="muted">{empty}</p> : null}
            <ul className="plain">
              {notices.map((n) => (
                <Notice key={n.id} notice={n} canEdit={canEdit} onDone={done} />
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
