// Reading a V8 CPU profile (`node --cpu-prof`) written by a benchmarked server: what ingest-profile.mjs
// and drain-profile.mjs share.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The one profile a server process wrote in `dir` (it writes it on a clean exit). */
export function readProfile(dir) {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`the server wrote no profile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8'));
}

/** The monotonic clock in µs, as V8 stamps its samples: a window of a profile is cut out with it. */
export const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const nameOf = ({ callFrame }) => {
  const where = callFrame.url ? callFrame.url.replace(/^.*\/(node_modules|packages)\//, '') : '';
  return `${callFrame.functionName || '(anonymous)'} ${where}${where ? `:${callFrame.lineNumber + 1}` : ''}`;
};

/**
 * The event loop's busy and idle µs between `from` and `to` (the whole profile by default), and the µs
 * per function: its self time, or with `inclusive` the time of every sample it was on the stack of
 * (what it called included; a recursive function charged once per sample).
 */
export function sumProfile(
  profile,
  { from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY, inclusive = false } = {},
) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const byFunction = new Map();
  let time = profile.startTime;
  let busy = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    // A sample's delta is the time since the one before: it is charged to this sample.
    if (time < from || time > to) continue;
    const delta = profile.timeDeltas[i];
    if (nodes.get(profile.samples[i]).callFrame.functionName === '(idle)') {
      idle += delta;
      continue;
    }
    busy += delta;
    const charged = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = inclusive ? parents.get(id) : undefined) {
      const node = nodes.get(id);
      const key = nameOf(node);
      if (node.callFrame.functionName === '(root)' || charged.has(key)) continue;
      charged.add(key);
      byFunction.set(key, (byFunction.get(key) ?? 0) + delta);
    }
  }
  return { busy, idle, byFunction };
}

/** Markdown rows of the `top` functions: share of the busy time and µs per `unit` (request, event). */
export function topRows({ busy, byFunction }, units, top) {
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `| ${key} | ${((100 * us) / busy).toFixed(1)}% | ${(us / units).toFixed(1)} |`);
}
