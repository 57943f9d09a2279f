/** Settings › Members. */
export function MembersAdmin() {
  return (
    <section aria-label="Members">
      <h2>Members</h2>
    </section>
  );
}
