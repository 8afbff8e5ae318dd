import { stripControl } from '../strip-control.js';
import { type Analysis, capUnsupportedConfidence } from './analysis-schema.js';

export interface CheckedEvidence {
  /** The analysis with only the quotes found in the data (a copy when any was dropped). */
  analysis: Analysis;
  /** How many quotes were not found, and dropped. */
  dropped: number;
  /** Whether confidence was lowered to UNSUPPORTED_CONFIDENCE_CAP because no quote was left. */
  capped: boolean;
}

/**
 * The analysis with its evidence checked against `data`, the failure's text as the model was given it
 * (redacted, as the prompt held it): a quote that does not appear there is dropped, since the model was
 * told to quote verbatim and a made-up line would vouch for a made-up cause. A quote may be any part of
 * the data (a piece of a line, or lines together); both are compared with their runs of whitespace
 * collapsed to one space, and an ellipsis at either end of a quote (a model's elision, or the cut
 * `fitAnalysisLengths` makes) stands for the text it left out. A blank quote quotes nothing. With no
 * quote left, confidence is capped as for an analysis that quoted none.
 */
export function checkEvidence(analysis: Analysis, data: string): CheckedEvidence {
  const haystack = collapse(data);
  const kept = analysis.evidence.filter((quote) => {
    const needle = withoutEndEllipses(collapse(quote));
    return needle.length > 0 && haystack.includes(needle);
  });
  const dropped = analysis.evidence.length - kept.length;
  if (dropped === 0) return { analysis, dropped, capped: false };
  const checked = capUnsupportedConfidence({ ...analysis, evidence: kept });
  return { analysis: checked, dropped, capped: checked.confidence < analysis.confidence };
}

/** Says what `checkEvidence` dropped, for the analysis notes; undefined when it dropped nothing. */
export function evidenceNote({ analysis, dropped, capped }: CheckedEvidence): string | undefined {
  if (dropped === 0) return undefined;
  const total = dropped + analysis.evidence.length;
  const quotes = total === 1 ? 'evidence quote' : 'evidence quotes';
  const note = `dropped ${dropped} of ${total} ${quotes}: not found in the data the model was given`;
  return capped ? `${note}; none left, so confidence capped at ${analysis.confidence}` : note;
}

function collapse(text: string): string {
  return stripControl(text).replace(/\s+/g, ' ').trim();
}

function withoutEndEllipses(text: string): string {
  return text.replace(/^(?:…|\.{3})\s*/, '').replace(/\s*(?:…|\.{3})$/, '');
}
