import type { NotificationSeverity } from '@vigilo/shared/channels';
import type { ChannelMessage } from './types.ts';

/** Small text helpers shared by the human-facing channels (Slack, Teams, email, PagerDuty). */

const SEVERITY_LABEL: Record<NotificationSeverity, string> = {
  info: 'Info',
  warning: 'Warning',
  critical: 'Critical',
};

/** "Critical · alert.opened", or just the event name without a severity. */
export function messageTitle(message: ChannelMessage): string {
  return message.severity === undefined
    ? message.type
    : `${SEVERITY_LABEL[message.severity]} · ${message.type}`;
}

/** Cuts to at most `max` characters, marking the cut; the receivers reject over-long fields. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Flattens line breaks, for places that take one line (subjects, headers, summaries). */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').trim();
}

/** The facts every channel shows, in a fixed order. */
export function messageFacts(message: ChannelMessage): { title: string; value: string }[] {
  return [
    { title: 'Event', value: message.type },
    ...(message.severity === undefined
      ? []
      : [{ title: 'Severity', value: SEVERITY_LABEL[message.severity] }]),
    ...(message.source === undefined ? [] : [{ title: 'Source', value: message.source }]),
    { title: 'Occurred', value: message.occurredAt.toISOString() },
  ];
}
