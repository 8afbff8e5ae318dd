/** A one-line, user-facing input problem: printed as `triage: …`, exit code 2. */
export class InputError extends Error {
  override readonly name = 'InputError';
}
