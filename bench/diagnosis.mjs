#!/usr/bin/env node
// The diagnosis step without an LLM: offline analysis per event and redaction throughput, each beside
// a baseline measured in the same run. The corpus is the 267 real error lines of the offline rules'
// fixtures, each inside realistic INFO/DEBUG context, so nothing here is invented text.
import { readFileSync } from 'node:fs';
import { analyzeOffline, createRedactor, fingerprintEvent, normalizeEvent } from '@triage/core';

const fixtures = JSON.parse(
  readFileSync(
    new URL('../packages/core/src/offline/__fixtures__/error-lines.json', import.meta.url),
    'utf8',
  ),
);
const events = fixtures.map(({ line }, index) => [
  `2026-11-27T10:00:0${index % 10}.000Z INFO GET /api/orders/${1000 + index} user=u${index}@example.com`,
  `2026-11-27T10:00:0${index % 10}.010Z DEBUG cache miss for key order:${1000 + index}`,
  `2026-11-27T10:00:0${index % 10}.020Z INFO calling upstream with Authorization: Bearer tok_${index}abcdefghijklmnop`,
  `2026-11-27T10:00:0${index % 10}.050Z ERROR ${line}`,
]);
const corpus = events.map((lines) => lines.join('\n')).join('\n');
const corpusBytes = Buffer.byteLength(corpus);

function time(fn, minMs = 1_500) {
  fn(); // warm-up
  let runs = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    runs++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return elapsed / runs;
}

// The write-up's SafeError: two regexes, emails and three key prefixes.
const email = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b/g;
const keys = /\b(sk_|pk_|dmt_)[A-Za-z0-9]{20,}\b/g;
const safeError = (text) => text.replace(email, '[EMAIL_REDACTED]').replace(keys, '[API_KEY_REDACTED]');
const redactor = createRedactor();
// Without its memo: the rows below time the rules on every line, not a lookup of lines seen before.
const rulesOnly = createRedactor({ remember: 0 });
// Lines that pair hints (an email, a `token=`, a time of day) with a long run of name characters: a
// minified bundle, a base64 blob, a dotted path. Such runs used to be read again from every position.
const runs = ['x'.repeat(900), '1234.'.repeat(180), 'a-b.'.repeat(225), 'token'.repeat(180)];
const pathological = Array.from(
  { length: 400 },
  (_, index) =>
    `2026-11-27T10:00:0${index % 10}.000Z ERROR user u${index}@example.com token=t${index} ${runs[index % runs.length]}`,
);
const pathologicalBytes = Buffer.byteLength(pathological.join('\n'));

const rows = [];
const perEvent = (ms) => `${((ms / events.length) * 1000).toFixed(1)} µs/event`;
const mbps = (ms) => `${(corpusBytes / 1024 / 1024 / (ms / 1000)).toFixed(1)} MB/s`;

const normalizeMs = time(() => {
  for (const lines of events) normalizeEvent({ log: lines });
});
const pipelineMs = time(() => {
  for (const lines of events) {
    const event = redactor.event(normalizeEvent({ log: lines }));
    fingerprintEvent(event);
    analyzeOffline(event);
  }
});
const offlineOnly = events.map((lines) => redactor.event(normalizeEvent({ log: lines })));
const analyzeMs = time(() => {
  for (const event of offlineOnly) analyzeOffline(event);
});
rows.push(['normalize only (baseline)', perEvent(normalizeMs)]);
rows.push(['analyzeOffline (126 rules)', perEvent(analyzeMs)]);
rows.push(['normalize + redact + fingerprint + analyzeOffline', perEvent(pipelineMs)]);

const safeMs = time(() => {
  for (const line of corpus.split('\n')) safeError(line);
});
const redactMs = time(() => {
  for (const line of corpus.split('\n')) redactor.text(line);
});
const rulesMs = time(() => {
  for (const line of corpus.split('\n')) rulesOnly.text(line);
});
const pathologicalMs = time(() => {
  for (const line of pathological) rulesOnly.text(line);
});
const safePathologicalMs = time(() => {
  for (const line of pathological) safeError(line);
});
const mbpsOf = (bytes, ms) => `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(1)} MB/s`;
rows.push(["redaction: the write-up's SafeError, 2 patterns (baseline)", mbps(safeMs)]);
rows.push(['redaction: createRedactor().text, all kinds', mbps(redactMs)]);
rows.push(['redaction: the same, nothing remembered', mbps(rulesMs)]);
rows.push([
  'redaction: lines pairing hints with a 900-character run, SafeError (baseline)',
  mbpsOf(pathologicalBytes, safePathologicalMs),
]);
rows.push([
  'redaction: those lines, createRedactor().text, nothing remembered',
  mbpsOf(pathologicalBytes, pathologicalMs),
]);

process.stdout.write(
  [
    `Node ${process.version}, ${events.length} events, ${(corpusBytes / 1024).toFixed(0)} KB corpus, ${new Date().toISOString().slice(0, 10)}`,
    '',
    '| case | result |',
    '|---|---|',
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    '',
  ].join('\n'),
);
