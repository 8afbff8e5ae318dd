import { parameterize } from './parameterize.js';
import { culpritFrame } from './parse-stack.js';
import type { StackFrame, TriageEvent } from './types.js';

/** A fingerprint part that is a variable (`{{ default }}`), its name in group 1. */
export const FINGERPRINT_VARIABLE = /^\{\{\s*(\S+?)\s*\}\}$/;

/**
 * An explicit fingerprint with its variables filled in, as Sentry's server fills them
 * (`resolve_fingerprint_variable` in its grouping code): `{{ default }}` is the computed key's parts,
 * and `{{ transaction }}`, `{{ message }}` (parameterized; `{{ raw_message }}` as it is), `{{ type }}`,
 * `{{ value }}` and `{{ raw_value }}` (both as they are, as Sentry gives them; also under `error.`),
 * `{{ function }}`, `{{ path }}`/`{{ stack.abs_path }}`, `{{ stack.filename }}`, `{{ module }}`,
 * `{{ package }}` (also under `stack.`), `{{ level }}`, `{{ logger }}` and `{{ tags.NAME }}` are the
 * event's, or Sentry's `<no-…>` placeholder when it has none; any other is
 * `<unrecognized-variable-NAME>`, as Sentry writes it.
 */
export function resolveFingerprint(
  parts: readonly string[],
  event: TriageEvent,
  computed: string[],
): string[] {
  return parts.flatMap((part) => {
    const name = FINGERPRINT_VARIABLE.exec(part)?.[1];
    if (name === undefined) return [part];
    if (name === 'default') return computed;
    return [resolveVariable(name, event)];
  });
}

function resolveVariable(name: string, event: TriageEvent): string {
  const { error, tags } = event;
  if (name.startsWith('tags.')) return tags?.[name.slice(5)] ?? `<no-value-for-tag-${name.slice(5)}>`;
  switch (name) {
    case 'transaction':
      return tags?.transaction || '<no-transaction>';
    case 'message':
      return event.message ? parameterize(event.message) : '<no-message>';
    case 'raw_message':
      return event.message || '<no-message>';
    case 'type':
    case 'error.type':
      return error?.type || '<no-type>';
    case 'value':
    case 'error.value':
    case 'raw_value':
    case 'error.raw_value':
      return error?.message || '<no-value>';
    case 'function':
    case 'stack.function':
      return crashFrame(event)?.function || '<no-function>';
    case 'path':
    case 'stack.abs_path':
      return crashFrame(event)?.file || '<no-abs-path>';
    case 'stack.filename':
      return crashFrame(event)?.file || '<no-filename>';
    // A frame keeps no module or package: a Sentry event's are filled in at ingest (sentry-to-event).
    case 'module':
    case 'stack.module':
      return '<no-module>';
    case 'package':
    case 'stack.package':
      return '<no-package>';
    case 'level':
      return event.level || '<no-level>';
    case 'logger':
      return tags?.logger || '<no-logger>';
    default:
      return `<unrecognized-variable-${name}>`;
  }
}

/** Where it failed: the innermost frame of the application's code, else the innermost, else the source. */
function crashFrame(event: TriageEvent): StackFrame | undefined {
  return culpritFrame(event.error?.frames) ?? event.source;
}
