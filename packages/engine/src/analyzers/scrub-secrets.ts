import { createRedactor } from '@triage/core';

// Remembers nothing: an error's text is rare, and a secret in it should not be kept in memory.
const redactor = createRedactor({ remember: 0 });

/** Error text is cut to this before it is scrubbed and written anywhere. */
const MAX_ERROR_TEXT = 2_000;

/**
 * Text from a failed call (a provider's error body, fetch's message) made fit to be stored in an
 * analysis note, sent in an alert or written to stderr: each of `secrets` (the configured API key, the
 * base URL's user and password) is taken out wherever it appears, as typed or percent-encoded, then
 * the text goes through the redactor (credentials in URLs, bearer tokens, keys by their shapes). A proxy
 * that echoed the key in its 401, or fetch refusing a URL with `user:pass@`, put them there verbatim.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  // Taken out before the cut: a key the cut went through kept its first part.
  let scrubbed = text;
  for (const secret of secrets) {
    // A one- or two-character "secret" (a user named `a`) would blank out the text around it.
    if (!secret || secret.length < 3) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      scrubbed = scrubbed.split(form).join('[secret]');
    }
  }
  if (scrubbed.length > MAX_ERROR_TEXT) scrubbed = scrubbed.slice(0, MAX_ERROR_TEXT);
  // Any URL's user information, whatever the redactor makes of it.
  scrubbed = scrubbed.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi, '$1[secret]@');
  return redactor.text(scrubbed);
}

/** What of an LLM setting is secret: the key, and the user and password of its base URL. */
export function secretsOf(config: { apiKey?: string; baseURL?: string }): string[] {
  const secrets = config.apiKey ? [config.apiKey] : [];
  const { username, password } = urlUserinfo(config.baseURL);
  for (const part of [username, password]) {
    if (!part) continue;
    secrets.push(part);
    try {
      secrets.push(decodeURIComponent(part));
    } catch {
      // Not percent-encoded text: the raw form is enough.
    }
  }
  return secrets;
}

/** The user and password written in a URL (empty when none, or when it is no URL). */
export function urlUserinfo(url: string | undefined): { username: string; password: string } {
  if (!url) return { username: '', password: '' };
  try {
    const { username, password } = new URL(url);
    return { username, password };
  } catch {
    return { username: '', password: '' };
  }
}

/** The message of anything thrown, scrubbed. */
export function errorText(error: unknown, secrets: readonly (string | undefined)[] = []): string {
  return scrubSecrets(error instanceof Error ? error.message : String(error), secrets);
}
