import type { StackFrame } from './types.js';

// V8: "    at fn (file:line:col)", "    at file:line:col", "    at async fn (...)", "    at new Foo (...)".
const V8_FRAME = /^\s*at (?:(?:async |new )?([^\s(][^(]*?) \()?(.+?)(?::(\d+))?(?::(\d+))?\)?\s*$/;
const PYTHON_FRAME = /^\s*File "([^"]+)", line (\d+)(?:, in (.+))?$/;
// Java 9+ frames may carry a module prefix ("java.base/"); the parenthesis holds a bare source file name.
const JAVA_FRAME =
  /^\s*at (?:[\w.$-]+(?:@[\w.-]+)?\/)?([\w$.<>]+)\.([\w$<>]+)\(((?:[\w$-]+\.(?:java|kt|scala|groovy|clj))|Native Method|Unknown Source)(?::(\d+))?\)$/;

/** True for the application's own code: not dependencies and not the runtime's internals. */
export function isInAppFile(file: string | undefined): boolean {
  if (!file) return false;
  return !(
    file.includes('node_modules') ||
    file.startsWith('node:') ||
    file.startsWith('internal/') ||
    file === 'native' ||
    file.startsWith('<')
  );
}

/** Parses one stack line (V8, Python or Java); `undefined` when it is not a frame. */
export function parseStackLine(line: string): StackFrame | undefined {
  const java = JAVA_FRAME.exec(line);
  if (java) {
    const [, owner, method, file, lineNo] = java;
    return {
      function: `${owner}.${method}`,
      file,
      line: lineNo ? Number(lineNo) : undefined,
      inApp: !/^(java|javax|jdk|sun|com\.sun|org\.springframework|org\.apache)\./.test(owner ?? ''),
    };
  }
  const python = PYTHON_FRAME.exec(line);
  if (python) {
    const [, file, lineNo, fn] = python;
    return {
      function: fn,
      file,
      line: Number(lineNo),
      inApp: !/site-packages|dist-packages|\/lib\/python/.test(file!),
    };
  }
  if (!/^\s*at /.test(line)) return undefined;
  // Node prints " {" after the last frame when the error has extra properties (e.g. a cause).
  const v8 = V8_FRAME.exec(line.replace(/\s*\{\s*$/, ''));
  if (!v8) return undefined;
  const [, fn, rawFile, lineNo, column] = v8;
  const file = rawFile?.replace(/^file:\/\//, '');
  return {
    function: fn && fn !== '<anonymous>' ? fn : undefined,
    file,
    line: lineNo ? Number(lineNo) : undefined,
    column: column ? Number(column) : undefined,
    inApp: isInAppFile(file),
  };
}

/** Parses every frame line of a stack trace, innermost first; other lines are skipped. */
export function parseStack(stack: string | undefined): StackFrame[] {
  if (!stack) return [];
  const frames: StackFrame[] = [];
  for (const line of stack.split('\n')) {
    const frame = parseStackLine(line);
    if (frame) frames.push(frame);
  }
  return frames;
}
