/** Settings › Channels. */
export function ChannelsAdmin() {
  return (
    <section aria-label="Channels">
      <h2>Channels</h2>
    </section>
  );
}
