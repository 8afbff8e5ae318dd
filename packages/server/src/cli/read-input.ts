import { readFile } from 'node:fs/promises';
import { InputError } from './input-error.js';

const MAX_INPUT_BYTES = 50 * 1024 * 1024;

/** Reads FILE, or stdin when no file is given (`kubectl logs pod | triage diagnose`). */
export async function readInput(
  file: string | undefined,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  let bytes: Buffer;
  if (file && file !== '-') {
    try {
      bytes = await readFile(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(
        `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message}`,
      );
    }
  } else {
    if ((stdin as NodeJS.ReadStream).isTTY)
      throw new InputError('no input: give a FILE or pipe a log into stdin');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stdin) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      if (size > MAX_INPUT_BYTES)
        throw new InputError(`input is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MB`);
      chunks.push(buffer);
    }
    bytes = Buffer.concat(chunks);
  }
  if (bytes.length > MAX_INPUT_BYTES)
    throw new InputError(`input is larger than ${MAX_INPUT_BYTES / 1024 / 1024} MB`);
  const sample = bytes.subarray(0, 8192);
  const zeros = sample.filter((byte) => byte === 0).length;
  if (zeros > sample.length / 10) throw new InputError('input looks binary, not a log: nothing to diagnose');
  return bytes.toString('utf8');
}

/**
 * Plain lines, a JSON event (`{"log": [...]}` or a full event), a JSON array
 * of lines, or JSON-lines output of a structured logger. A file that starts
 * as one JSON document but does not parse is refused with the parser's reason.
 */
export function parseLogInput(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError('the input is empty: nothing to diagnose');
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return text;
  try {
    return JSON.parse(trimmed);
  } catch (error) {
    const firstLine = trimmed.split('\n', 1)[0]!;
    if (isJson(firstLine)) return text;
    if (trimmed.startsWith('{')) throw new InputError(`not valid JSON: ${(error as Error).message}`);
    return text;
  }
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}
