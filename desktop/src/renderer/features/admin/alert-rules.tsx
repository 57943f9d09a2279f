/** Settings › Alert rules. */
export function AlertRulesAdmin() {
  return (
    <section aria-label="Alert rules">
      <h2>Alert rules</h2>
    </section>
  );
}
