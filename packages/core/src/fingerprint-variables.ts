import { parameterize } from './parameterize.js';
import type { StackFrame, TriageEvent } from './types.js';

const VARIABLE = /^\{\{\s*(\S+?)\s*\}\}$/;

/**
 * An explicit fingerprint with its variables filled in, as Sentry fills them
 * (docs.sentry.io, "Fingerprint Rules", Variables): `{{ default }}` is the computed key's parts, and
 * `{{ transaction }}`, `{{ message }}`, `{{ type }}`/`{{ error.type }}`, `{{ value }}`/`{{ error.value }}`
 * (parameterized), `{{ raw_value }}`, `{{ function }}`/`{{ stack.function }}`, `{{ path }}`/
 * `{{ stack.abs_path }}`/`{{ stack.filename }}`, `{{ module }}`/`{{ stack.module }}`,
 * `{{ package }}`/`{{ stack.package }}`, `{{ level }}`, `{{ logger }}` and `{{ tags.NAME }}` are the
 * event's, or a `<no-…>` placeholder when it has none (Sentry's own). Another `{{ … }}` stays as written.
 */
export function resolveFingerprint(
  parts: readonly string[],
  event: TriageEvent,
  computed: string[],
): string[] {
  return parts.flatMap((part) => {
    const name = VARIABLE.exec(part)?.[1];
    if (name === undefined) return [part];
    if (name === 'default') return computed;
    return [resolveVariable(name, event) ?? part];
  });
}

function resolveVariable(name: string, event: TriageEvent): string | undefined {
  const { error, tags } = event;
  if (name.startsWith('tags.')) return tags?.[name.slice(5)] ?? `<no-value-for-tag-${name.slice(5)}>`;
  switch (name) {
    case 'transaction':
      return tags?.transaction ?? event.request?.route ?? '<no-transaction>';
    case 'message': {
      const message = event.message ?? (error ? `${error.type}: ${error.message}` : undefined);
      return message ? parameterize(message) : '<no-message>';
    }
    case 'type':
    case 'error.type':
      return error?.type || '<no-type>';
    case 'value':
    case 'error.value':
      return error?.message ? parameterize(error.message) : '<no-value>';
    case 'raw_value':
    case 'error.raw_value':
      return error?.message || '<no-value>';
    case 'function':
    case 'stack.function':
      return crashFrame(event)?.function ?? '<no-function>';
    case 'path':
    case 'stack.abs_path':
    case 'stack.filename':
      return crashFrame(event)?.file ?? '<no-abs-path>';
    // A frame keeps no module or package: a Sentry event's are filled in at ingest (sentry-to-event).
    case 'module':
    case 'stack.module':
      return '<no-module>';
    case 'package':
    case 'stack.package':
      return '<no-package>';
    case 'level':
      return event.level;
    case 'logger':
      return tags?.logger ?? '<no-logger>';
    default:
      return undefined;
  }
}

/** Where it failed: the innermost frame of the application's code, else the innermost, else the source. */
function crashFrame(event: TriageEvent): StackFrame | undefined {
  const frames = event.error?.frames;
  return frames?.find((frame) => frame.inApp) ?? frames?.[0] ?? event.source;
}
