import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprintEvent } from './fingerprint.js';
import { normalizeEvent } from './normalize.js';
import { createRedactor } from './redact.js';

// 79 incidents, each run several times with different ids, hosts, timings and moved code (see
// __fixtures__/grouping; each names its source: reproduced for real, but three Kubernetes events
// taken from published output, 059–061): variants of one must share a key, different ones must not.
const dir = new URL('./__fixtures__/grouping/', import.meta.url);
const groups: Array<{ group: string; variants: unknown[] }> = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')));

describe('grouping on the reproduced fixtures', () => {
  it('should reach pairwise precision ≥ 0.95 and recall ≥ 0.90', () => {
    const redactor = createRedactor();
    const keyed = groups.flatMap(({ group, variants }) =>
      variants.map((variant) => ({
        group,
        key: fingerprintEvent(redactor.event(normalizeEvent(variant))).fingerprint,
      })),
    );
    let truePositive = 0;
    let falsePositive = 0;
    let falseNegative = 0;
    for (let i = 0; i < keyed.length; i++) {
      for (let j = i + 1; j < keyed.length; j++) {
        const same = keyed[i]!.group === keyed[j]!.group;
        const grouped = keyed[i]!.key === keyed[j]!.key;
        if (same && grouped) truePositive++;
        else if (grouped) falsePositive++;
        else if (same) falseNegative++;
      }
    }
    expect(groups.length).toBeGreaterThanOrEqual(40);
    expect(truePositive / (truePositive + falsePositive)).toBeGreaterThanOrEqual(0.95);
    expect(truePositive / (truePositive + falseNegative)).toBeGreaterThanOrEqual(0.9);
  });
});
