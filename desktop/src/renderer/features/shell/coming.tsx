/**
 * Approvals, incidents and changes: their navigation and replica tables are designed now, their
 * server support arrives with change and incident management. Until then each page says what it
 * will hold and which keys will act, so the shell and the keyboard map do not move later.
 */
const PAGES = {
  approvals: {
    title: 'Approvals',
    empty: 'No approvals wait on you.',
    about:
      'Changes that need your approval (also as a delegate) will queue here with their risk reasons, collisions and approval trail. y approves, n rejects, each with a comment, online or offline, through the same outbox as acknowledgements.',
  },
  incidents: {
    title: 'Incidents',
    empty: 'No incidents.',
    about: 'Incidents and their timelines will list here once incident management is enabled on the server.',
  },
  changes: {
    title: 'Changes',
    empty: 'No changes.',
    about:
      'Changes, their schedule and their approvals will list here once change management is enabled on the server.',
  },
} as const;

export function ComingPage({ page }: { page: keyof typeof PAGES }) {
  const p = PAGES[page];
  return (
    <section aria-label={p.title} data-testid={`page-${page}`}>
      <h1>{p.title}</h1>
      <p>{p.empty}</p>
      <p className="muted">{p.about}</p>
    </section>
  );
}
