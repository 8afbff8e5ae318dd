/** Terminal colour codes (SGR): removed whole, so `\x1b[31mERROR\x1b[0m` reads `ERROR`. */
const COLOUR_CODES = /\x1b\[[0-9;]*m/g;
/**
 * C0 controls but tab and newline, DEL, the C1 controls (U+0080–U+009F: some terminals act on them),
 * the bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the zero-width
 * space and the byte-order mark. Zero-width joiners stay: scripts and emoji need them.
 */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b\ufeff]/g;

/**
 * `text` without control characters (tab and newline stay). They carry no meaning for a diagnosis,
 * and are harm where text is shown or stored: a terminal acts on escape sequences (an LLM's answer or a
 * log line could clear the operator's screen or plant a link), a bidirectional override makes an alert
 * read otherwise than it is written (`rm -rf` shown as something else), and PostgreSQL's text refuses NUL.
 */
export function stripControl(text: string): string {
  return text.replace(COLOUR_CODES, '').replace(CONTROL, '');
}
