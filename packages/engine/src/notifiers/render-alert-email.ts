import { truncate } from '@triage/core';
import type { Alert } from '../ports/notifier.js';
import { regressionOf, resolutionLine } from './regression.js';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * The alert email: subject like `[HIGH] Connection pool exhausted in
 * ProtectedHandler` (`[HIGH] Regressed: …` for an issue that came back after a
 * resolve, with when it was resolved and the resolution note among the facts),
 * a text body carrying the analysis markdown, and an HTML body in which every
 * piece of untrusted text (the analysis, the note) is escaped.
 */
export function renderAlertEmail(
  { issue, event, result, reason }: Alert,
  dashboardUrl?: string,
): RenderedEmail {
  const { analysis } = result;
  const regression = regressionOf(issue);
  // After the severity: mail rules that sort on `[CRITICAL]` at the start keep working.
  const marker = regression ? 'Regressed: ' : '';
  const subject = truncate(oneLine(`[${analysis.severity.toUpperCase()}] ${marker}${analysis.title}`), 200);
  const where =
    [event.source?.function, event.source?.file].filter(Boolean).join(' in ') ||
    event.service ||
    'unknown source';
  const facts: Array<[string, string]> = [
    ...(regression
      ? [['Regressed', resolutionLine(regression, iso, (note) => note)] as [string, string]]
      : []),
    ['Source', where],
    ['Priority', issue.priority ?? 'not set'],
    ['Occurrences', `${issue.count} (first seen ${iso(issue.firstSeen)}, last seen ${iso(issue.lastSeen)})`],
    ['Category', `${analysis.category} · confidence ${Math.round(analysis.confidence * 100)}%`],
  ];
  if (event.request)
    facts.push(['Request', [event.request.method, event.request.url].filter(Boolean).join(' ')]);
  if (result.meta.costUsd != null) facts.push(['Analysis cost', `$${result.meta.costUsd.toFixed(6)}`]);
  if (reason) facts.push(['Routed', reason]);
  const link = dashboardUrl ? `${dashboardUrl.replace(/\/$/, '')}/issues/${issue.id}` : undefined;

  const text = [
    ...facts.map(([key, value]) => `${key}: ${value}`),
    ...(link ? [`Dashboard: ${link}`] : []),
    '',
    result.markdown,
  ].join('\n');

  const section = (title: string, body: string) => `<h3>${escapeHtml(title)}</h3>${body}`;
  const list = (items: string[], tag: 'ol' | 'ul') =>
    `<${tag}>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</${tag}>`;
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(marker + analysis.title)}</h2>`,
    `<p>${escapeHtml(analysis.summary)}</p>`,
    `<table>${facts.map(([key, value]) => `<tr><th align="left">${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`,
    section('Root Cause', `<p>${escapeHtml(analysis.rootCause)}</p>`),
    section(
      'Business Impact',
      list(
        [
          `Severity: ${analysis.severity}`,
          `User impact: ${analysis.businessImpact.userImpact}`,
          `Scope: ${analysis.businessImpact.scope}`,
          `Revenue impact: ${analysis.businessImpact.revenueImpact}`,
        ],
        'ul',
      ),
    ),
    section('Remediation Steps', list(analysis.remediation, 'ol')),
    section('Prevention', list(analysis.prevention, 'ul')),
    analysis.evidence.length > 0
      ? section('Evidence', `<pre>${escapeHtml(analysis.evidence.join('\n'))}</pre>`)
      : '',
    link ? `<p><a href="${escapeHtml(link)}">Open in the dashboard</a></p>` : '',
    `<p style="color:#666">${escapeHtml(result.markdown.split('\n').pop() ?? '')}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}

/** LLM text is untrusted: it never reaches HTML unescaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// Header injection: a newline in a subject would start a new header.
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

function iso(time: number): string {
  return new Date(time).toISOString();
}
