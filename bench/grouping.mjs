#!/usr/bin/env node
// Grouping quality and speed on the project's fixtures: groups of variants of one incident each,
// reproduced for real (packages/core/src/__fixtures__/grouping). Pairwise precision and recall: over all
// pairs of variants, a pair is "same" when the fixtures say one incident, "grouped" when fingerprints match.
import { readdirSync, readFileSync } from 'node:fs';
import { createRedactor, fingerprintEvent, normalizeEvent } from '@triage/core';

const dir = new URL('../packages/core/src/__fixtures__/grouping/', import.meta.url);
const groups = readdirSync(dir)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')));
const redactor = createRedactor();
const keyOf = (variant) => fingerprintEvent(redactor.event(normalizeEvent(variant))).fingerprint;

const variants = groups.flatMap((group) =>
  group.variants.map((variant) => ({ group: group.group, key: keyOf(variant), variant })),
);
let truePositive = 0;
let falsePositive = 0;
let falseNegative = 0;
for (let i = 0; i < variants.length; i++) {
  for (let j = i + 1; j < variants.length; j++) {
    const same = variants[i].group === variants[j].group;
    const grouped = variants[i].key === variants[j].key;
    if (same && grouped) truePositive++;
    else if (grouped) falsePositive++;
    else if (same) falseNegative++;
  }
}
const precision = truePositive / Math.max(1, truePositive + falsePositive);
const recall = truePositive / Math.max(1, truePositive + falseNegative);

// Speed: fingerprints per second over the same variants (normalize + fingerprint; redaction excluded), and
// normalize alone as the baseline it builds on. Fingerprinting remembers what it made of short lines (a
// storm repeats them), so variants met again cost less than new ones: the "never seen" row gives each
// pass copies whose every string ends in a tag of its own (prepared before the clock starts).
const normalized = variants.map(({ variant }) => variant);
const time = (fn, passes = () => normalized) => {
  const start = process.hrtime.bigint();
  let runs = 0;
  while (Number(process.hrtime.bigint() - start) < 1.5e9) {
    for (const variant of passes(runs)) fn(variant);
    runs++;
  }
  return (runs * normalized.length) / (Number(process.hrtime.bigint() - start) / 1e9);
};
const tagged = (value, tag) =>
  typeof value === 'string'
    ? `${value} ${tag}`
    : Array.isArray(value)
      ? value.map((item) => tagged(item, tag))
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, tagged(item, tag)]))
        : value;
const freshPasses = Array.from({ length: 200 }, (_, pass) =>
  normalized.map((variant) => tagged(variant, `pass${pass}`)),
);
const normalizeRate = time((variant) => normalizeEvent(variant));
const fingerprintRate = time((variant) => fingerprintEvent(normalizeEvent(variant)));
const freshRate = time(
  (variant) => fingerprintEvent(normalizeEvent(variant)),
  (runs) => {
    if (runs >= freshPasses.length)
      throw new Error('fingerprinting got faster than the fresh copies prepared');
    return freshPasses[runs];
  },
);

const split = groups.filter(
  (group) => new Set(variants.filter((v) => v.group === group.group).map((v) => v.key)).size > 1,
);
const merged = new Map();
for (const { group, key } of variants) merged.set(key, new Set([...(merged.get(key) ?? []), group]));
const mergedGroups = [...merged.values()].filter((set) => set.size > 1).map((set) => [...set].join(' + '));

process.stdout.write(
  [
    `Node ${process.version}, ${groups.length} groups, ${variants.length} variants, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| measure | result |',
    '|---|---|',
    `| pairwise precision | ${precision.toFixed(3)} |`,
    `| pairwise recall | ${recall.toFixed(3)} |`,
    `| normalize only (baseline) | ${Math.round(normalizeRate).toLocaleString('en')} events/s |`,
    `| normalize + fingerprint, variants met again | ${Math.round(fingerprintRate).toLocaleString('en')} events/s |`,
    `| normalize + fingerprint, never seen | ${Math.round(freshRate).toLocaleString('en')} events/s |`,
    '',
    `Groups split into several keys (${split.length}): ${split.map((group) => group.group).join(', ') || 'none'}`,
    `Keys shared by several groups (${mergedGroups.length}): ${mergedGroups.join('; ') || 'none'}`,
    '',
  ].join('\n'),
);
