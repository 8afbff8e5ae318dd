/**
 * An address as TRIAGE_ALERT_TO and TRIAGE_ALERT_FROM take it: `name@host`, or `Display Name
 * <name@host>` (the name may be quoted). Undefined for anything else.
 */
export function parseAddress(text: string): { email: string; name?: string } | undefined {
  const angled = /^\s*"?([^"<>]*?)"?\s*<([^<>]+)>\s*$/.exec(text);
  const email = (angled ? angled[2]! : text).trim();
  if (!/^[^\s@<>,;"]+@[^\s@<>,;"]+$/.test(email)) return undefined;
  const name = angled?.[1]?.trim();
  return name ? { email, name } : { email };
}
