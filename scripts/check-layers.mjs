#!/usr/bin/env node
// DESIGN.md's arrows point one way: server → engine → core, node → core (node → engine only for
// types and the lazily imported in-process engine). A static import against the arrows fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const forbidden = {
  core: /^@triage\/(engine|node|server)|^(node:)?(fs|net|http|https|child_process|dgram|tls|worker_threads)(\/|$)/,
  engine: /^@triage\/(node|server)/,
  node: /^@triage\/server/,
  server: /^@triage\/node/,
};
const staticImport = /^\s*(import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm;
const problems = [];

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== '__fixtures__') yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) yield path;
  }
}

for (const [pkg, rule] of Object.entries(forbidden)) {
  for (const file of sources(join('packages', pkg, 'src'))) {
    if (pkg === 'engine' && file.includes('/src/test/')) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(staticImport)) {
      const specifier = match[2];
      if (rule.test(specifier)) problems.push(`${file}: imports ${specifier}`);
      // node may use the engine's types, and load the engine itself only lazily (await import()).
      if (pkg === 'node' && specifier === '@triage/engine')
        problems.push(`${file}: static import of @triage/engine`);
    }
  }
}
if (problems.length > 0) {
  console.error(`Layering violations (see DESIGN.md, "Layout"):\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('layers ok: server → engine → core, node → core');
