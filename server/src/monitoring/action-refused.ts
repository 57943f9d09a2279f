/**
 * An expected refusal of an action on a monitored thing (an alert, a host): the target is gone,
 * someone already decided, or an argument is wrong. Each door words it its own way: the tRPC
 * procedures as their error codes, the desktop's outbox kinds as conflicts it shows.
 */
export class ActionRefused extends Error {
  readonly reason: 'not_found' | 'already_decided' | 'invalid';
  constructor(reason: ActionRefused['reason'], message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ActionRefused';
    this.reason = reason;
  }
}
