/**
 * The most characters of an answer, its thinking left out, that are looked through. An analysis is a
 * few KiB; a runaway answer (JSON mode's endless whitespace) can be far longer, and is no analysis.
 */
export const MAX_EXTRACT_CHARS = 64 * 1024;

/** Top-level objects tried, at most: a log quoted in prose can hold many `{…}`. */
const MAX_OBJECTS = 32;

const FENCE = '```';

/**
 * Pulls the JSON object out of model text that may wrap it in prose, markdown fences or a reasoning
 * model's `<think>…</think>`. Candidates, in order: the whole text, each fenced block (the last
 * first: a model drafts, then answers), each balanced top-level `{…}` (the last first), then the
 * first `{` to the last `}`. The first that parses and that `accept` takes is the answer; when none is
 * accepted, the first that parsed (for the repair round to name what is wrong); `undefined` when
 * nothing parses. Linear in the text: its fence regex backtracked quadratically on an unclosed fence
 * before a long run of whitespace (40,000 spaces took 383 ms, 150 KB stalled the event loop 3.5 s).
 */
export function extractJson(text: string, accept: (value: unknown) => boolean = () => true): unknown {
  // Thinking first: a reasoning model's `<think>` text can be longer than the window (a 25,000-token
  // cap allows about 100 KB of it), and cut before it was taken out, the answer after it was lost.
  let body = withoutThinking(text);
  if (body.length > MAX_EXTRACT_CHARS) body = body.slice(0, MAX_EXTRACT_CHARS);
  body = body.trim();
  let firstParsed: { value: unknown } | undefined;
  const tried = new Set<string>();
  const attempt = (candidate: string | undefined): { value: unknown } | undefined => {
    const trimmed = candidate?.trim();
    if (!trimmed || tried.has(trimmed) || !/^[[{]/.test(trimmed)) return undefined;
    tried.add(trimmed);
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      return undefined;
    }
    firstParsed ??= { value };
    return accept(value) ? { value } : undefined;
  };
  const found =
    attempt(body) ??
    firstOf(fencedBlocks(body).reverse(), attempt) ??
    firstOf(topLevelObjects(body).reverse(), attempt) ??
    attempt(outermostBraces(body));
  return (found ?? firstParsed)?.value;
}

function firstOf(
  candidates: string[],
  attempt: (candidate: string) => { value: unknown } | undefined,
): { value: unknown } | undefined {
  for (const candidate of candidates) {
    const found = attempt(candidate);
    if (found) return found;
  }
  return undefined;
}

/** The text without its `<think>…</think>` blocks (an unclosed one runs to the end). */
function withoutThinking(text: string): string {
  let out = '';
  let from = 0;
  for (;;) {
    const open = text.indexOf('<think>', from);
    if (open === -1) return out + text.slice(from);
    out += text.slice(from, open);
    const close = text.indexOf('</think>', open);
    if (close === -1) return out;
    from = close + '</think>'.length;
  }
}

/** The contents of each closed ``` fence, its language tag (```json) left out. */
function fencedBlocks(text: string): string[] {
  const blocks: string[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf(FENCE, from);
    if (open === -1) return blocks;
    const close = text.indexOf(FENCE, open + FENCE.length);
    if (close === -1) return blocks;
    let content = text.slice(open + FENCE.length, close);
    // A tag is a word right after the fence, on the fence's line.
    const tag = /^[\w+-]*/.exec(content)?.[0] ?? '';
    if (tag && !/^\s*[[{]/.test(content)) content = content.slice(tag.length);
    blocks.push(content);
    from = close + FENCE.length;
  }
}

/** Each `{…}` balanced at the top level, strings and their escapes minded; one pass over the text. */
function topLevelObjects(text: string): string[] {
  const objects: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (depth === 0) {
      if (char === '{') {
        depth = 1;
        start = i;
        inString = false;
      }
      continue;
    }
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) {
      objects.push(text.slice(start, i + 1));
      if (objects.length === MAX_OBJECTS) break;
    }
  }
  return objects;
}

function outermostBraces(text: string): string | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  return start !== -1 && end > start ? text.slice(start, end + 1) : undefined;
}
