/** On-call. */
export function OnCall() {
  return (
    <section aria-label="On-call">
      <h1>On-call</h1>
    </section>
  );
}
