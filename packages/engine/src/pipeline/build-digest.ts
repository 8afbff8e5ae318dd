import type { SpendSummary } from '../analyzers/spend-ledger.js';
import { escapeHtml, type RenderedEmail } from '../notifiers/render-alert-email.js';
import type { Issue, IssueStore } from '../ports/issue-store.js';
import { hourOf } from '../stores/apply-event.js';

export interface DigestInput {
  store: IssueStore;
  /** The end of the period; it covers the 24 hours before. */
  now: number;
  spend: SpendSummary;
  dashboardUrl?: string;
  top?: number;
}

/**
 * The daily digest email: new, regressed and top issues of the last 24 hours,
 * their impact, and the LLM spend. P3 issues, routed to the digest, are here
 * and nowhere else.
 */
export async function buildDigest({
  store,
  now,
  spend,
  dashboardUrl,
  top = 10,
}: DigestInput): Promise<RenderedEmail> {
  const since = now - 24 * 3_600_000;
  const recent = (await store.listIssues({ limit: 1_000 })).filter((issue) => issue.lastSeen >= since);
  const withCounts = await Promise.all(
    recent.map(async (issue) => {
      const hours = await store.hourlyCounts(issue.id, hourOf(since));
      return { issue, events: hours.reduce((sum, hour) => sum + hour.count, 0) };
    }),
  );
  const fresh = withCounts.filter(({ issue }) => issue.firstSeen >= since);
  const regressed = withCounts.filter(({ issue }) => issue.status === 'regressed');
  const busiest = [...withCounts].sort((a, b) => b.events - a.events).slice(0, top);
  const day = new Date(now).toISOString().slice(0, 10);
  const line = ({ issue, events }: { issue: Issue; events: number }) =>
    `${issue.priority ?? '--'} [${issue.analysisResult?.analysis.severity ?? 'unanalysed'}] ${issue.title} — ${events} events, ${issue.usersAffected} users (${issue.status})`;
  const sections: Array<[string, string[]]> = [
    [`New issues (${fresh.length})`, fresh.map(line)],
    // No time of regression is kept: a regressed issue seen in the period, whenever it came back.
    [`Regressed issues, not resolved again (${regressed.length})`, regressed.map(line)],
    [`Top issues by events (${busiest.length})`, busiest.map(line)],
  ];
  const spendLine = `LLM spend today (UTC ${spend.day}): $${spend.totalUsd.toFixed(4)} over ${spend.calls} calls`;
  const subject = `[Triage] Daily digest ${day}: ${fresh.length} new, ${regressed.length} regressed, ${withCounts.length} active`;
  const text = [
    subject,
    '',
    ...sections.flatMap(([title, lines]) => [
      title,
      ...(lines.length ? lines.map((l) => `- ${l}`) : ['- none']),
      '',
    ]),
    spendLine,
    ...(dashboardUrl ? ['', `Dashboard: ${dashboardUrl}`] : []),
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>${escapeHtml(subject)}</h2>`,
    ...sections.map(
      ([title, lines]) =>
        `<h3>${escapeHtml(title)}</h3><ul>${(lines.length ? lines : ['none']).map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul>`,
    ),
    `<p>${escapeHtml(spendLine)}</p>`,
    dashboardUrl ? `<p><a href="${escapeHtml(dashboardUrl)}">Open the dashboard</a></p>` : '',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
