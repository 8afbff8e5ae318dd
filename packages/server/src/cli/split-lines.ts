import { StringDecoder } from 'node:string_decoder';

/**
 * A line's text and its terminator: `\n`, `\r\n`, or none (the input's last line). A lone `\r` (a
 * progress line redrawn in place) is text. `tooLong`: the line was longer than the splitter holds;
 * its text is empty, its bytes dropped as they came.
 */
export interface Line {
  text: string;
  end: string;
  tooLong?: true;
}

/**
 * Splits bytes into lines as they are read: a character cut between two reads is decoded whole, a
 * line cut between them waits, in parts. Past `maxLineBytes`, the rest of a line is dropped up to its
 * end (one line with no end, `head -c 700M /dev/zero | tr …`, grew past what a string can be).
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial: string[] = [];
  #partialBytes = 0;
  #skipping = false;

  constructor(readonly maxLineBytes = Number.POSITIVE_INFINITY) {}

  /** The lines `bytes` complete; an unfinished last line waits for the rest. */
  push(bytes: Buffer): Line[] {
    const text = this.#decoder.write(bytes);
    const lines: Line[] = [];
    let start = 0;
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      this.#hold(text.slice(start, newline));
      lines.push(this.#take(true));
      start = newline + 1;
    }
    this.#hold(text.slice(start));
    return lines;
  }

  /** The last line, without a terminator, when the input did not end with one. */
  end(): Line[] {
    this.#hold(this.#decoder.end());
    return this.#skipping || this.#partialBytes > 0 ? [this.#take(false)] : [];
  }

  #hold(text: string): void {
    if (this.#skipping || text === '') return;
    // Measured only under a cap: redact takes lines of any length.
    this.#partialBytes += Number.isFinite(this.maxLineBytes) ? Buffer.byteLength(text) : text.length;
    this.#partial.push(text);
    if (this.#partialBytes <= this.maxLineBytes) return;
    this.#skipping = true;
    this.#partial = [];
  }

  #take(terminated: boolean): Line {
    const skipped = this.#skipping;
    const text = this.#partial.join('');
    this.#partial = [];
    this.#partialBytes = 0;
    this.#skipping = false;
    if (skipped) return { text: '', end: terminated ? '\n' : '', tooLong: true };
    if (!terminated) return { text, end: '' };
    return text.endsWith('\r') ? { text: text.slice(0, -1), end: '\r\n' } : { text, end: '\n' };
  }
}
