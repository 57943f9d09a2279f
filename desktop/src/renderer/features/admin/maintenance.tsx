/** Settings › Maintenance. */
export function MaintenanceAdmin() {
  return (
    <section aria-label="Maintenance">
      <h2>Maintenance</h2>
    </section>
  );
}
