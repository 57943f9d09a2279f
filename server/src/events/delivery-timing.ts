/** How long one delivery attempt may take (connect, TLS, request, answer) before it counts as failed. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * The shortest lease a delivery may be claimed for (VIGILO_DELIVERY_LEASE_MS): an attempt that
 * runs its whole timeout, and the transaction recording it, must end inside the lease, or another
 * worker would take the delivery meanwhile and send it a second time.
 */
export const MIN_DELIVERY_LEASE_MS = 2 * DELIVERY_TIMEOUT_MS;

/** The lease by default: a delivery whose worker died is sent again after this long. */
export const DEFAULT_DELIVERY_LEASE_MS = 60_000;
