import { type AnalysisMeta, truncate } from '@triage/core';
import { ConfigError } from '../errors/config-error.js';
import type { Alert, Notifier } from '../ports/notifier.js';
import { postJson } from './post-json.js';
import { regressionOf, resolutionLine } from './regression.js';

export interface SlackNotifierOptions {
  /** The incoming webhook, `https://hooks.slack.com/services/T…/B…/…`. */
  webhookUrl: string;
  /** When set, the message gets a button opening the issue there. */
  dashboardUrl?: string;
  /** Milliseconds to wait for Slack. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** Block Kit's documented limits (https://api.slack.com/reference/block-kit/blocks). */
const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3000,
  field: 2000,
  fields: 10,
  contextText: 3000,
  buttonText: 75,
  buttonUrl: 3000,
  blocks: 50,
  /** Slack truncates longer message text; the fallback never needs that much. */
  fallbackText: 3000,
} as const;

type Block = Record<string, unknown>;

/**
 * Posts the alert to a Slack incoming webhook as Block Kit: the title as a
 * header, severity, priority, occurrences, first seen and category as fields,
 * then root cause, numbered remediation and prevention, who analyzed it, and a
 * dashboard button. `text` carries the plain fallback (`[HIGH] title —
 * summary`) that notifications show. An issue that came back after a resolve
 * says `Regressed: ` before the title in both, with a line under the header
 * giving when it was resolved and the resolution note. Analysis text and the
 * note are untrusted: `&`, `<` and `>` are escaped, so they cannot mention
 * `<!channel>` or disguise a link, and every text is cut to its Block Kit
 * limit with `…`.
 */
export function createSlackNotifier({
  webhookUrl,
  dashboardUrl,
  timeoutMs,
  fetch,
}: SlackNotifierOptions): Notifier {
  if (!webhookUrl) throw new ConfigError('createSlackNotifier: webhookUrl is required');
  return {
    name: 'slack',
    async send(alert: Alert) {
      await postJson({
        service: 'Slack',
        url: webhookUrl,
        body: slackMessage(alert, dashboardUrl),
        timeoutMs,
        fetch,
      });
    },
  };
}

/** The webhook payload for an alert: `{ text, blocks }`. */
function slackMessage(
  { issue, event, result, reason }: Alert,
  dashboardUrl?: string,
): { text: string; blocks: Block[] } {
  const { analysis } = result;
  const severity = analysis.severity.toUpperCase();
  // Verbatim: Slack would otherwise link-ify channel names and parse some mentions written as plain
  // text (an "@channel" in an LLM's answer), which escaping &, < and > does not stop.
  const mrkdwn = (text: string, limit: number = SLACK_LIMITS.sectionText) => ({
    type: 'mrkdwn',
    text: truncateEscaped(text, limit),
    verbatim: true,
  });
  const section = (heading: string, body: string): Block => ({
    type: 'section',
    text: mrkdwn(`*${heading}*\n${escapeSlack(body)}`),
  });
  const field = (name: string, value: string) =>
    mrkdwn(`*${name}*\n${escapeSlack(value)}`, SLACK_LIMITS.field);
  const where = [event.source?.function, event.source?.file].filter(Boolean).join(' in ') || event.service;
  const regression = regressionOf(issue);
  const marker = regression ? 'Regressed: ' : '';

  const blocks: Block[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: truncateEscaped(escapeSlack(oneLine(marker + analysis.title)), SLACK_LIMITS.headerText),
      },
    },
    ...(regression
      ? [
          {
            type: 'context',
            elements: [
              mrkdwn(
                `*Regressed* · ${resolutionLine(regression, slackDate, escapeSlack)}`,
                SLACK_LIMITS.contextText,
              ),
            ],
          },
        ]
      : []),
    {
      type: 'section',
      text: mrkdwn(escapeSlack(analysis.summary)),
      fields: [
        field('Severity', severity),
        field('Priority', issue.priority ?? 'not set'),
        field('Occurrences', String(issue.count)),
        mrkdwn(`*First seen*\n${slackDate(issue.firstSeen)}`, SLACK_LIMITS.field),
        field('Category', analysis.category),
        ...(where ? [field('Source', where)] : []),
      ].slice(0, SLACK_LIMITS.fields),
    },
    section('Root Cause', analysis.rootCause),
    section('Remediation', numbered(analysis.remediation)),
    section('Prevention', analysis.prevention.map((item) => `• ${item}`).join('\n') || 'None suggested.'),
    {
      type: 'context',
      elements: [
        mrkdwn(
          escapeSlack(
            `${byline(result.meta)} · confidence ${Math.round(analysis.confidence * 100)}%${reason ? ` · ${reason}` : ''}`,
          ),
          SLACK_LIMITS.contextText,
        ),
      ],
    },
  ];
  const link = dashboardUrl && `${dashboardUrl.replace(/\/$/, '')}/issues/${encodeURIComponent(issue.id)}`;
  // A URL over the limit would make Slack reject the whole message; better no button.
  if (link && link.length <= SLACK_LIMITS.buttonUrl) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'triage-open-issue',
          text: { type: 'plain_text', text: 'Open in Triage' },
          url: link,
        },
      ],
    });
  }
  const text = truncateEscaped(
    escapeSlack(oneLine(`[${severity}] ${marker}${analysis.title} — ${analysis.summary}`)),
    SLACK_LIMITS.fallbackText,
  );
  return { text, blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/**
 * A time as Slack shows it, in each reader's own time zone, with the UTC ISO time for clients that
 * cannot. Our own markup, never built from untrusted text; verbatim text still parses it.
 */
function slackDate(time: number): string {
  const iso = new Date(time).toISOString();
  return `<!date^${Math.floor(time / 1000)}^{date_short_pretty} {time}|${iso}>`;
}

/** Slack's required escaping for untrusted text: `&`, `<` and `>` become entities. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Cuts already-escaped text to `limit` UTF-16 units ending in `…` (core's `truncate`, which never
 * splits a surrogate pair), never through an entity (`&am…`), which Slack would reject or garble.
 */
function truncateEscaped(text: string, limit: number): string {
  return truncate(text, limit).replace(/&[a-z]*…$/, '…');
}

function numbered(items: string[]): string {
  return items.length > 0
    ? items.map((item, index) => `${index + 1}. ${item}`).join('\n')
    : '1. No action identified.';
}

function byline(meta: AnalysisMeta): string {
  if (meta.analyzer === 'offline') return "Analyzed by Triage's offline rules, not by an LLM";
  return `Analyzed by ${[meta.provider, meta.model].filter(Boolean).join('/') || 'an LLM'}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}
