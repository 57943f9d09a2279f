/** SLOs and status pages. */
export function Reliability() {
  return (
    <section aria-label="SLOs and status pages">
      <h1>SLOs and status pages</h1>
    </section>
  );
}
