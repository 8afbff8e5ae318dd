import { cutMiddle, type LogEntry } from '@triage/core';
import { levelFromSentry } from './sentry-level.js';
import { asRecord, asText, toMillis, valuesOf } from './sentry-values.js';

/** Breadcrumbs kept, the most recent ones: Sentry SDKs keep 100 by default too. */
export const MAX_BREADCRUMBS = 100;
/** A breadcrumb is a hint, not a document. */
const MAX_MESSAGE_LENGTH = 1_000;

/**
 * Breadcrumbs (`{ values: [...] }` or a bare array) as log lines, oldest first:
 * `[category] message`. Breadcrumbs without a message (HTTP calls, navigations) are described
 * from their `data`.
 */
export function logFromBreadcrumbs(breadcrumbs: unknown): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const raw of valuesOf(breadcrumbs).slice(-MAX_BREADCRUMBS)) {
    const crumb = asRecord(raw);
    if (!crumb) continue;
    const category = asText(crumb.category) ?? asText(crumb.type);
    const text = asText(crumb.message) ?? describeData(crumb);
    if (!text && !category) continue;
    const message = cutMiddle(
      category ? `[${category}]${text ? ` ${text}` : ''}` : text!,
      MAX_MESSAGE_LENGTH,
    );
    const time = toMillis(crumb.timestamp);
    entries.push({
      level: levelFromSentry(crumb.level, 'info'),
      message,
      ...(time !== undefined && { time }),
      breadcrumb: true,
    });
  }
  return entries;
}

function describeData(crumb: Record<string, unknown>): string | undefined {
  const data = asRecord(crumb.data);
  if (!data) return undefined;
  const url = asText(data.url);
  if (url && (crumb.type === 'http' || crumb.category === 'http' || crumb.category === 'fetch')) {
    const method = asText(data.method) ?? asText(data['http.request.method']);
    const status = asText(data.status_code) ?? asText(data['http.response.status_code']);
    return [method, url, status && `→ ${status}`].filter(Boolean).join(' ');
  }
  const from = asText(data.from);
  const to = asText(data.to);
  if (from && to) return `${from} → ${to}`;
  try {
    const json = JSON.stringify(data);
    return json === '{}' ? undefined : json;
  } catch {
    return undefined;
  }
}
