/** Terminal colour codes (SGR): removed whole, so `\x1b[31mERROR\x1b[0m` reads `ERROR`. */
const COLOUR_CODES = /\x1b\[[0-9;]*m/g;
/** C0 controls but tab and newline, DEL, and the C1 controls (U+0080–U+009F: some terminals act on them). */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * `text` without control characters (tab and newline stay). They carry no meaning for a diagnosis,
 * and are harm where text is shown or stored: a terminal acts on escape sequences (an LLM's answer or a
 * log line could clear the operator's screen or plant a link), and PostgreSQL's text refuses NUL.
 */
export function stripControl(text: string): string {
  return text.replace(COLOUR_CODES, '').replace(CONTROL, '');
}
