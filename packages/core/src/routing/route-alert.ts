import type { Severity } from '../analysis/taxonomy.js';
import type { Priority } from '../types.js';

/** Where an alert can go. `digest` means: no alert now, a line in the daily digest. */
export const CHANNELS = ['pagerduty', 'email', 'slack', 'webhook', 'digest'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface RoutingRule {
  /** Matches any priority when unset; `unset` matches events without one. */
  priority?: Array<Priority | 'unset'>;
  severity?: Severity[];
  channels: Channel[];
}

export interface QuietHours {
  /** `HH:MM`, local to `timeZone`. A range may cross midnight (22:00–07:00). */
  start: string;
  end: string;
  /** IANA zone, e.g. `Europe/Paris`; default UTC. */
  timeZone?: string;
}

export interface RoutingPolicy {
  /** First matching rule wins. */
  rules: RoutingRule[];
  /** In quiet hours nothing pages unless the severity is critical. */
  quietHours?: QuietHours;
  /** Channels every alert also goes to (integrations such as a webhook). */
  always?: Channel[];
}

/**
 * The write-up's matrix as the default: P0 revenue-critical pages and emails on
 * critical/high; P1 user-facing emails and posts to Slack on high; P2
 * background jobs post to Slack; P3 internal tools go to the daily digest.
 */
export const DEFAULT_ROUTING_POLICY: RoutingPolicy = {
  rules: [
    { priority: ['P0'], severity: ['critical', 'high'], channels: ['pagerduty', 'email'] },
    { priority: ['P0'], channels: ['email', 'slack'] },
    { priority: ['P1'], severity: ['critical'], channels: ['pagerduty', 'email', 'slack'] },
    { priority: ['P1'], severity: ['high'], channels: ['email', 'slack'] },
    { priority: ['P1'], channels: ['slack'] },
    { priority: ['P2', 'unset'], severity: ['critical'], channels: ['email', 'slack'] },
    { priority: ['P2', 'unset'], channels: ['slack'] },
    { priority: ['P3'], channels: ['digest'] },
  ],
  always: ['webhook'],
};

export interface RouteInput {
  priority?: Priority;
  severity: Severity;
  /** Handler name for the reason, e.g. `checkout` or `ProtectedHandler`. */
  handler?: string;
  now?: number;
}

export interface Route {
  channels: Channel[];
  /** Says why, e.g. "paged and emailed: P0 checkout, severity critical". */
  reason: string;
  quiet: boolean;
}

const VERBS: Record<Channel, string> = {
  pagerduty: 'paged',
  email: 'emailed',
  slack: 'posted to Slack',
  webhook: 'sent to the webhook',
  digest: 'kept for the daily digest',
};

/** Priority × severity × quiet hours → channels, with the reason every alert carries. */
export function routeAlert(
  { priority, severity, handler, now = Date.now() }: RouteInput,
  policy: RoutingPolicy,
): Route {
  const key = priority ?? 'unset';
  const rule = policy.rules.find(
    (candidate) =>
      (!candidate.priority || candidate.priority.includes(key)) &&
      (!candidate.severity || candidate.severity.includes(severity)),
  );
  let channels: Channel[] = rule ? [...rule.channels] : ['email'];
  const quiet = policy.quietHours ? inQuietHours(policy.quietHours, now) : false;
  const notes: string[] = [];
  if (quiet && severity !== 'critical' && channels.includes('pagerduty')) {
    channels = channels.filter((channel) => channel !== 'pagerduty');
    notes.push('not paged in quiet hours');
  }
  if (!channels.includes('digest')) {
    for (const channel of policy.always ?? []) if (!channels.includes(channel)) channels.push(channel);
  }
  const verbs = channels.filter((channel) => channel !== 'webhook').map((channel) => VERBS[channel]);
  const who = [priority ?? 'no priority', handler].filter(Boolean).join(' ');
  const reason = `${joinWords(verbs.length > 0 ? verbs : ['not alerted'])}: ${who}, severity ${severity}${notes.length ? ` (${notes.join('; ')})` : ''}`;
  return { channels, reason, quiet };
}

/** True when `now` falls in the quiet hours of their time zone. */
export function inQuietHours({ start, end, timeZone = 'UTC' }: QuietHours, now: number): boolean {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(now));
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const minutes = value('hour') * 60 + value('minute');
  const from = toMinutes(start);
  const to = toMinutes(end);
  return from <= to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

function toMinutes(time: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new RangeError(`quiet hours must be HH:MM, got "${time}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function joinWords(words: string[]): string {
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}
