/** Settings › Agents. */
export function AgentsAdmin() {
  return (
    <section aria-label="Agents">
      <h2>Agents</h2>
    </section>
  );
}
