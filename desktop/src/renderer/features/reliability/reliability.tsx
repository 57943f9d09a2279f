import { Slos } from './slos.tsx';
import { StatusPages } from './status-pages.tsx';

/** SLOs and public status pages: both online, the server evaluates and serves them. */
export function Reliability() {
  return (
    <section aria-label="SLOs and status pages" data-testid="page-reliability">
      <h1>SLOs and status pages</h1>
      <Slos />
      <StatusPages />
    </section>
  );
}
