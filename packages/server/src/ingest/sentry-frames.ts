import { isInAppFile, isJavaLibrary, isPythonLibrary, type StackFrame } from '@triage/core';
import { asNumber, asRecord, asText, valuesOf } from './sentry-values.js';

/** Frames kept per stack trace, innermost first: the top of the stack carries the cause. */
const MAX_FRAMES = 100;
// A JVM language's source file: a Java frame, in an event that names no platform or another one.
const JVM_SOURCE = /\.(?:java|kt|scala|groovy|clj)$/;

/**
 * Sentry frames (listed oldest call first, innermost last) as Triage frames, innermost first.
 * `in_app` wins when the SDK sent it; otherwise the rules of parsed stacks decide (see inAppByDefault).
 * On the JVM (`platform: "java"`) the function is qualified with its class, as Triage's own
 * Java stack parser does.
 */
export function framesFromStacktrace(stacktrace: unknown, platform?: string): StackFrame[] | undefined {
  const frames = asRecord(stacktrace)?.frames;
  if (!Array.isArray(frames)) return undefined;
  const mapped: StackFrame[] = [];
  for (let index = frames.length - 1; index >= 0 && mapped.length < MAX_FRAMES; index--) {
    const frame = toFrame(frames[index], platform);
    if (frame) mapped.push(frame);
  }
  return mapped.length > 0 ? mapped : undefined;
}

/**
 * The stack trace of an exception, or of the thread it was thrown on when the SDK put the
 * stack there (native and JVM SDKs do), or of the crashed (else first) thread.
 */
export function stacktraceOf(exception: Record<string, unknown> | undefined, threads: unknown): unknown {
  if (exception?.stacktrace != null) return exception.stacktrace;
  const all = valuesOf(threads).map(asRecord);
  const threadId = exception?.thread_id;
  const thread =
    (threadId != null ? all.find((candidate) => candidate?.id === threadId) : undefined) ??
    all.find((candidate) => candidate?.crashed === true) ??
    (exception ? undefined : all.find((candidate) => candidate?.stacktrace != null));
  return thread?.stacktrace;
}

function toFrame(raw: unknown, platform: string | undefined): StackFrame | undefined {
  const frame = asRecord(raw);
  if (!frame) return undefined;
  const file = asText(frame.filename) ?? asText(frame.abs_path) ?? asText(frame.module);
  let fn = asText(frame.function);
  // JavaScript SDKs write "?" for anonymous functions, Python "<module>" for top-level code.
  if (fn === '?' || fn === '<anonymous>') fn = undefined;
  const module = asText(frame.module);
  if (fn && platform === 'java' && module && module !== file) fn = `${module}.${fn}`;
  if (!fn && !file) return undefined;
  return {
    function: fn,
    file,
    line: asNumber(frame.lineno),
    column: asNumber(frame.colno),
    inApp:
      typeof frame.in_app === 'boolean'
        ? frame.in_app
        : inAppByDefault(frame, file, asText(frame.platform) ?? platform),
  };
}

/**
 * Whether a frame sent without `in_app` is the application's: by the rules Triage's own stack parser
 * applies to a printed Java or Python stack. sentry-java leaves it out for every class outside its
 * inAppIncludes/Excludes, sentry-python for the standard library outside project_root: by the file
 * alone, java.util.HashMap.get and json/decoder.py were where the application failed.
 */
function inAppByDefault(
  frame: Record<string, unknown>,
  file: string | undefined,
  platform: string | undefined,
): boolean {
  const module = asText(frame.module);
  if (module && (platform === 'java' || JVM_SOURCE.test(file ?? ''))) return !isJavaLibrary(module);
  // sentry-python's filename is relative to sys.path (json/decoder.py): only abs_path says where it lives.
  const path = asText(frame.abs_path) ?? file;
  if (path && (platform === 'python' || path.endsWith('.py')) && isPythonLibrary(path)) return false;
  return isInAppFile(file);
}
