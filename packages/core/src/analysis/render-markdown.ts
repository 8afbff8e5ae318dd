import type { Analysis, AnalysisMeta } from './analysis-schema.js';

/** The write-up's four sections (root cause, business impact, remediation, prevention) and who answered. */
export function renderMarkdown(analysis: Analysis, meta?: AnalysisMeta): string {
  const out: string[] = [`# ${analysis.title}`, '', analysis.summary, ''];
  out.push('## Root Cause', analysis.rootCause, '');
  if (analysis.insufficientContext)
    out.push('> Insufficient context: the captured lines do not show the cause for certain.', '');
  out.push(
    '## Business Impact',
    `- **Severity:** ${capitalize(analysis.severity)}`,
    `- **User Impact:** ${analysis.businessImpact.userImpact}`,
    `- **Scope:** ${analysis.businessImpact.scope}`,
    `- **Revenue Impact:** ${analysis.businessImpact.revenueImpact}`,
    '',
  );
  out.push('## Remediation Steps', ...numbered(analysis.remediation), '');
  out.push('## Prevention', ...analysis.prevention.map((item) => `- ${item}`), '');
  if (analysis.evidence.length > 0) {
    out.push('## Evidence', ...analysis.evidence.map((line) => `    ${line.replace(/\n/g, ' ')}`), '');
  }
  const confidence = `${Math.round(analysis.confidence * 100)}%`;
  out.push(
    `_Category: ${analysis.category} · confidence ${confidence} · fix type: ${analysis.remediationType}_`,
  );
  if (meta) out.push(`_${byline(meta)}_`);
  return out.join('\n');
}

function byline(meta: AnalysisMeta): string {
  const notes = meta.notes.length > 0 ? ` Notes: ${meta.notes.join('; ')}.` : '';
  if (meta.analyzer === 'offline') {
    const rules = meta.rules?.length ? ` (rules: ${meta.rules.join(', ')})` : '';
    return `Analyzed by Triage's offline rules${rules}, not by an LLM.${notes}`;
  }
  const cost = meta.costUsd != null ? `, $${meta.costUsd.toFixed(6)}` : '';
  const tokens = meta.tokensIn != null ? `, ${meta.tokensIn}+${meta.tokensOut ?? 0} tokens` : '';
  return `Analyzed by ${meta.provider}/${meta.model} (prompt ${meta.promptVersion}${tokens}${cost}).${notes}`;
}

function numbered(items: string[]): string[] {
  return items.length > 0
    ? items.map((item, index) => `${index + 1}. ${item}`)
    : ['1. No action identified.'];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
