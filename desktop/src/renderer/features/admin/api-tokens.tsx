/** Settings › API tokens. */
export function ApiTokensAdmin() {
  return (
    <section aria-label="API tokens">
      <h2>API tokens</h2>
    </section>
  );
}
