#!/usr/bin/env node
// Validates the labelled evaluation cases in this folder (one JSON file per case) and prints counts.
// Usage: node eval/cases/check-cases.mjs [folder]   (exit code 1 when a case or a coverage rule fails)
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CATEGORIES = [
  'connection_refused',
  'timeout',
  'network',
  'dns',
  'tls',
  'resource_exhausted',
  'rate_limited',
  'auth',
  'concurrency',
  'data_integrity',
  'bad_input',
  'configuration',
  'code_defect',
  'dependency_failure',
  'unknown',
];
const MIN_TOTAL = 90;
const MIN_PER_CATEGORY = 4;
const MIN_PER_RUNTIME = 6;
const MIN_INJECTION = 3;
const MIN_PERSONAL_DATA = 3;
const MIN_LOG_LINES = 3;
const MAX_LOG_LINES = 40;
const MAX_FACTS = 3;
const MAX_FACT_LENGTH = 60;

const TOP_KEYS = ['id', 'description', 'source', 'input', 'expected'];
const INPUT_KEYS = ['log', 'error', 'source', 'priority', 'request'];
const FILE_NAME = /^(\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*\.json$/;

const folder = process.argv[2] ?? dirname(fileURLToPath(import.meta.url));
const errors = [];
const fail = (file, message) => errors.push(`${file}: ${message}`);

const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNonEmptyString = (v) => typeof v === 'string' && v.trim().length > 0;

function checkKeys(file, where, value, allowed, required) {
  if (!isPlainObject(value)) {
    fail(file, `${where} must be an object`);
    return false;
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(file, `${where} has unexpected key "${key}"`);
  }
  for (const key of required) {
    if (!(key in value)) fail(file, `${where} is missing "${key}"`);
  }
  return true;
}

function checkStringFields(file, where, value, keys) {
  if (!checkKeys(file, where, value, keys, keys)) return;
  for (const key of keys) {
    if (!isNonEmptyString(value[key])) fail(file, `${where}.${key} must be a non-empty string`);
  }
}

// Which runtime's phrasing a case uses, judged from its log lines.
function runtimeOf(log) {
  const text = log.join('\n');
  if (/Traceback \(most recent call last\)|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} /m.test(text))
    return 'python';
  if (/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d |^goroutine \d+ \[/m.test(text)) return 'go';
  if (/^\tat [\w$.]+\(|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} +[A-Z]+ \d+ --- \[/m.test(text)) return 'java';
  if (/^\s+at .*(\.js:\d+|node:[\w/]+:\d+|<anonymous>)|^FATAL ERROR: .*JavaScript heap/m.test(text))
    return 'node';
  return 'other';
}

const INJECTION = /ignore (all )?(previous|prior) instructions/i;
const PERSONAL_DATA = [
  /[\w.+-]+@[\w-]+\.[\w.-]+/, // email address
  /Bearer [\w-]+\.[\w-]+\.[\w-]+/, // bearer JWT
  /\b(?:\d[ -]?){13,19}\b/, // card number
];

let files;
try {
  files = readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort();
} catch (e) {
  console.error(`cannot read ${folder}: ${e.message}`);
  process.exit(1);
}

const perCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0]));
const perSource = { reproduced: 0, docs: 0 };
const perRuntime = { node: 0, python: 0, go: 0, java: 0, other: 0 };
let injection = 0;
let personalData = 0;
const numbers = new Set();

for (const file of files) {
  const match = FILE_NAME.exec(file);
  if (!match) {
    fail(file, 'file name must look like NNN-short-slug.json (lower-case slug)');
    continue;
  }
  if (numbers.has(match[1])) fail(file, `case number ${match[1]} is used twice`);
  numbers.add(match[1]);

  let doc;
  try {
    doc = JSON.parse(readFileSync(join(folder, file), 'utf8'));
  } catch (e) {
    fail(file, `invalid JSON: ${e.message}`);
    continue;
  }
  if (!checkKeys(file, 'case', doc, TOP_KEYS, TOP_KEYS)) continue;

  if (doc.id !== basename(file, '.json')) fail(file, `id "${doc.id}" does not match the file name`);
  if (!isNonEmptyString(doc.description)) fail(file, 'description must be a non-empty string');
  else if (/[.!?] [A-Z]/.test(doc.description)) fail(file, 'description must be one sentence');

  if (typeof doc.source !== 'string' || !/^(reproduced|docs): \S/.test(doc.source)) {
    fail(file, 'source must start with "reproduced: " or "docs: " followed by what was run or read');
  } else {
    perSource[doc.source.startsWith('reproduced:') ? 'reproduced' : 'docs'] += 1;
  }

  const input = doc.input;
  if (checkKeys(file, 'input', input, INPUT_KEYS, ['log'])) {
    const { log } = input;
    if (!Array.isArray(log) || log.some((l) => typeof l !== 'string')) {
      fail(file, 'input.log must be an array of strings');
    } else {
      if (log.length < MIN_LOG_LINES || log.length > MAX_LOG_LINES) {
        fail(file, `input.log has ${log.length} lines (want ${MIN_LOG_LINES}-${MAX_LOG_LINES})`);
      }
      if (log.every((l) => l.trim() === '')) fail(file, 'input.log has no text');
      perRuntime[runtimeOf(log)] += 1;
      const text = log.join('\n');
      if (INJECTION.test(text)) injection += 1;
      if (PERSONAL_DATA.some((re) => re.test(text))) personalData += 1;
    }
    if ('error' in input) checkStringFields(file, 'input.error', input.error, ['type', 'message', 'stack']);
    if ('source' in input) checkStringFields(file, 'input.source', input.source, ['file', 'function']);
    if ('request' in input) checkStringFields(file, 'input.request', input.request, ['method', 'url']);
    if ('priority' in input && !['P0', 'P1', 'P2', 'P3'].includes(input.priority)) {
      fail(file, `input.priority "${input.priority}" is not one of P0-P3`);
    }
  }

  if (checkKeys(file, 'expected', doc.expected, ['category', 'facts'], ['category', 'facts'])) {
    const { category, facts } = doc.expected;
    if (!CATEGORIES.includes(category)) {
      fail(file, `expected.category "${category}" is not in the taxonomy`);
    } else {
      perCategory[category] += 1;
    }
    if (!Array.isArray(facts) || facts.length < 1 || facts.length > MAX_FACTS) {
      fail(file, `expected.facts must be an array of 1-${MAX_FACTS} strings`);
    } else {
      for (const fact of facts) {
        if (!isNonEmptyString(fact)) fail(file, 'expected.facts entries must be non-empty strings');
        else if (fact.length > MAX_FACT_LENGTH)
          fail(file, `fact "${fact}" is longer than ${MAX_FACT_LENGTH}`);
      }
      const lower = facts.filter((f) => typeof f === 'string').map((f) => f.toLowerCase());
      if (new Set(lower).size !== lower.length)
        fail(file, 'expected.facts has duplicates (case-insensitive)');
    }
  }
}

// Numbers run 001, 002, ... without gaps.
const sorted = [...numbers].map(Number).sort((a, b) => a - b);
const gap = sorted.findIndex((n, i) => n !== i + 1);
if (gap !== -1) fail('(set)', `case numbers are not contiguous: expected ${gap + 1}, found ${sorted[gap]}`);

// Coverage rules for the set as a whole.
if (files.length < MIN_TOTAL) fail('(set)', `${files.length} cases, want at least ${MIN_TOTAL}`);
for (const category of CATEGORIES) {
  if (perCategory[category] < MIN_PER_CATEGORY) {
    fail(
      '(set)',
      `category ${category} has ${perCategory[category]} cases, want at least ${MIN_PER_CATEGORY}`,
    );
  }
}
for (const runtime of ['python', 'go', 'java']) {
  if (perRuntime[runtime] < MIN_PER_RUNTIME) {
    fail('(set)', `${runtime} phrasing in ${perRuntime[runtime]} cases, want at least ${MIN_PER_RUNTIME}`);
  }
}
if (injection < MIN_INJECTION)
  fail('(set)', `${injection} prompt-injection cases, want at least ${MIN_INJECTION}`);
if (personalData < MIN_PERSONAL_DATA) {
  fail('(set)', `${personalData} cases with personal data or secrets, want at least ${MIN_PERSONAL_DATA}`);
}

const pad = Math.max(...CATEGORIES.map((c) => c.length));
console.log(`cases: ${files.length} in ${folder}`);
console.log('per category:');
for (const category of CATEGORIES) console.log(`  ${category.padEnd(pad)}  ${perCategory[category]}`);
console.log(`per source kind: reproduced ${perSource.reproduced}, docs ${perSource.docs}`);
console.log(
  `per runtime phrasing: node ${perRuntime.node}, python ${perRuntime.python}, go ${perRuntime.go}, java ${perRuntime.java}, other ${perRuntime.other}`,
);
console.log(`prompt-injection cases: ${injection}; cases with personal data or secrets: ${personalData}`);

if (errors.length > 0) {
  console.error(`\n${errors.length} problem(s):`);
  for (const e of errors) console.error(`  ${e}`);
  process.exit(1);
}
console.log('all cases valid');
