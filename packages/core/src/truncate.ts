/**
 * `text` cut to at most `max` UTF-16 units, the cut marked with an ellipsis; never through a surrogate
 * pair (half an emoji is a lone surrogate, which JSON writes as `\ud83d` and mail shows as �).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}
