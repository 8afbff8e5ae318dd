#!/usr/bin/env node
// Validates the grouping fixtures in this folder and prints what they cover.
// Usage: node packages/core/src/__fixtures__/grouping/check-fixtures.mjs
// Exits 1 (after listing every problem) when a file is malformed or a coverage floor is missed.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../packages/core/src/__fixtures__/grouping');
const FORMATS = ['node', 'go', 'python', 'java', 'plain'];
const MIN = { groups: 40, variants: 160, perRuntime: 5, plain: 8, pairs: 8 };
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

const isString = (value) => typeof value === 'string';
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks an ErrorInfo-like object ({ type, message, stack?, cause? }); returns the cause depth. */
function checkError(error, where, needStack) {
  if (!isObject(error)) {
    problem(where, 'error must be an object');
    return 0;
  }
  if (!isString(error.type) || error.type === '') problem(where, 'error.type must be a non-empty string');
  if (!isString(error.message)) problem(where, 'error.message must be a string');
  if (needStack && (!isString(error.stack) || error.stack.trim() === '')) {
    problem(where, 'error.stack must be the printed stack string');
  } else if (error.stack !== undefined && !isString(error.stack))
    problem(where, 'error.stack must be a string');
  if (error.code !== undefined && !isString(error.code)) problem(where, 'error.code must be a string');
  return error.cause === undefined ? 0 : 1 + checkError(error.cause, `${where}.cause`, false);
}

/** All text a variant carries, with stacks embedded in JSON log lines (pino `err.stack`) unfolded. */
function textOf(variant) {
  if (variant.error) {
    const parts = [];
    for (let e = variant.error; e; e = e.cause) parts.push(`${e.type}: ${e.message}`, e.stack ?? '');
    return parts.join('\n');
  }
  return variant.log
    .map((line) => {
      if (!line.trimStart().startsWith('{')) return line;
      try {
        const record = JSON.parse(line);
        const err = record.err ?? record.error;
        return [line, isObject(err) && isString(err.stack) ? err.stack : ''].join('\n');
      } catch {
        return line;
      }
    })
    .join('\n');
}

// Order matters: a Java "Caused by" chain or a Python traceback may quote text that looks like another format.
const DETECTORS = [
  ['python', /^Traceback \(most recent call last\):$|^ {2}File ".+", line \d+, in /m],
  ['go', /^goroutine \d+ \[[\w ,]+\]:$/m],
  [
    'java',
    /^\s*at [\w$.]+(?:\/[\w$.]+)*\((?:[\w$]+\.java:\d+|Native Method|Unknown Source)\)$|^Caused by: [\w$.]+/m,
  ],
  [
    'node',
    /^\s*at (?:async )?(?:.+ \()?(?:file:\/\/|node:|\/|<anonymous>)[^)\n]*\)?$|^<--- JS stacktrace --->$|^\s*\d+: 0x[0-9a-f]+ node::/m,
  ],
];
const formatOf = (variant) => DETECTORS.find(([, pattern]) => pattern.test(textOf(variant)))?.[0] ?? 'plain';
const hasChain = (variant) =>
  Boolean(variant.error?.cause) ||
  /^Caused by: |^\s*\[cause\]: |^During handling of the above exception|^The above exception was the direct cause/m.test(
    textOf(variant),
  );

function checkVariant(variant, where) {
  if (!isObject(variant)) {
    problem(where, 'variant must be an object');
    return;
  }
  const shapes = ['log', 'error'].filter((key) => variant[key] !== undefined);
  if (shapes.length !== 1) {
    problem(where, 'variant must have exactly one of "log" or "error"');
    return;
  }
  if (variant.log !== undefined) {
    if (!Array.isArray(variant.log) || variant.log.length === 0 || !variant.log.every(isString)) {
      problem(where, 'log must be a non-empty array of strings (one printed line each)');
    } else if (variant.log.some((line) => line.includes('\n')))
      problem(where, 'log lines must not contain newlines');
    else if (variant.log.every((line) => line.trim() === '')) problem(where, 'log has only blank lines');
  } else {
    checkError(variant.error, `${where}.error`, true);
    const source = variant.source;
    if (!isObject(source) || !isString(source.file) || !isString(source.function)) {
      problem(where, 'a parsed error needs source: { file, function }');
    }
  }
  // Fixtures must never point at a non-loopback address.
  for (const [ip] of JSON.stringify(variant).matchAll(/(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])/g)) {
    const octets = ip.split('.').map(Number);
    if (octets.every((octet) => octet <= 255) && octets[0] !== 127)
      problem(where, `non-loopback address ${ip}`);
  }
}

const files = readdirSync(DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();
const groups = [];
const numbers = new Set();
for (const file of files) {
  const where = file;
  const match = /^(\d{3})-[a-z0-9]+(?:-[a-z0-9]+)*\.json$/.exec(file);
  if (!match) problem(where, 'file name must be NNN-slug.json (lowercase slug)');
  else if (numbers.has(match[1])) problem(where, `number ${match[1]} is used twice`);
  else numbers.add(match[1]);
  let fixture;
  try {
    fixture = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
  } catch (error) {
    problem(where, `not valid JSON (${error.message})`);
    continue;
  }
  if (!isObject(fixture)) {
    problem(where, 'top level must be an object');
    continue;
  }
  const extra = Object.keys(fixture).filter(
    (key) => !['group', 'description', 'source', 'variants'].includes(key),
  );
  if (extra.length > 0) problem(where, `unexpected keys ${extra.join(', ')}`);
  if (fixture.group !== file.replace(/\.json$/, ''))
    problem(where, `group "${fixture.group}" must equal the file name`);
  if (!isString(fixture.description) || fixture.description.trim().length < 20) {
    problem(where, 'description must say what the root cause is');
  }
  const kind = isString(fixture.source) ? /^(reproduced|docs): \S/.exec(fixture.source)?.[1] : undefined;
  if (!kind) problem(where, 'source must start with "reproduced: " or "docs: " followed by the reference');
  const variants = Array.isArray(fixture.variants) ? fixture.variants : [];
  if (variants.length < 3 || variants.length > 6)
    problem(where, `needs 3-6 variants, has ${variants.length}`);
  for (const [index, variant] of variants.entries()) checkVariant(variant, `${where} variant ${index + 1}`);
  const valid = variants.filter(
    (variant) => isObject(variant) && (Array.isArray(variant.log) || variant.error),
  );
  const formats = [...new Set(valid.map(formatOf))];
  if (formats.length > 1) problem(where, `variants mix stack formats (${formats.join(', ')})`);
  const serialized = valid.map((variant) => JSON.stringify(variant));
  if (new Set(serialized).size !== serialized.length) problem(where, 'two variants are identical');
  groups.push({
    name: fixture.group,
    file,
    kind,
    format: formats[0] ?? 'plain',
    variants: variants.length,
    shapes: new Set(valid.map((variant) => (variant.error ? 'error' : 'log'))),
    chained: valid.some(hasChain),
    apart: [...(fixture.description ?? '').matchAll(/\b(\d{3}-[a-z0-9-]+[a-z0-9])\b/g)].map((m) => m[1]),
  });
}

const names = new Set(groups.map((group) => group.name));
if (names.size !== groups.length) problem('all', 'group names are not unique');
const pairs = new Map();
for (const group of groups) {
  for (const other of group.apart) {
    if (other === group.name) continue;
    if (!names.has(other)) problem(group.file, `description names unknown group ${other}`);
    else pairs.set([group.name, other].sort().join(' <> '), [group.name, other].sort());
  }
}

const count = (list, key) =>
  Object.fromEntries(key.map((k) => [k, list.filter((item) => item === k).length]));
const variantsTotal = groups.reduce((sum, group) => sum + group.variants, 0);
const byFormat = count(
  groups.map((group) => group.format),
  FORMATS,
);
const bySource = count(
  groups.map((group) => group.kind),
  ['reproduced', 'docs'],
);
const variantsByFormat = Object.fromEntries(
  FORMATS.map((format) => [
    format,
    groups.filter((group) => group.format === format).reduce((sum, group) => sum + group.variants, 0),
  ]),
);
const chained = groups.filter((group) => group.chained);

if (groups.length < MIN.groups) problem('all', `${groups.length} groups, need at least ${MIN.groups}`);
if (variantsTotal < MIN.variants) problem('all', `${variantsTotal} variants, need at least ${MIN.variants}`);
for (const format of ['node', 'go', 'python', 'java']) {
  if (byFormat[format] < MIN.perRuntime)
    problem('all', `${byFormat[format]} ${format} groups, need ${MIN.perRuntime}`);
}
if (byFormat.plain < MIN.plain) problem('all', `${byFormat.plain} plain-log groups, need ${MIN.plain}`);
if (pairs.size < MIN.pairs) problem('all', `${pairs.size} "must stay apart" pairs, need ${MIN.pairs}`);
for (const format of ['node', 'python', 'java']) {
  if (!chained.some((group) => group.format === format))
    problem('all', `no chained-cause group in ${format}`);
}

console.log(`groups: ${groups.length}, variants: ${variantsTotal}`);
console.log(
  `by source: ${Object.entries(bySource)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}`,
);
console.log(
  `by stack format (groups / variants): ${FORMATS.map((f) => `${f} ${byFormat[f]}/${variantsByFormat[f]}`).join(', ')}`,
);
console.log(
  `event shapes: ${groups.filter((g) => g.shapes.has('log')).length} groups with raw logs, ${groups.filter((g) => g.shapes.has('error')).length} with parsed errors`,
);
console.log(`chained causes: ${chained.map((group) => group.name).join(', ')}`);
console.log(`must-stay-apart pairs (${pairs.size}):`);
for (const [a, b] of pairs.values()) console.log(`  ${a}  <>  ${b}`);
if (problems.length > 0) {
  console.error(`\n${problems.length} problem(s):`);
  for (const line of problems) console.error(`  ${line}`);
  process.exit(1);
}
console.log('\nok: all fixtures valid');
