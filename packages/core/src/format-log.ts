/**
 * printf-style formatting for scope log lines (`%s %d %i %f %v %j %o %O %%`),
 * applied only when an analysis actually runs: entries are stored unformatted.
 * Never throws: a value that cannot be rendered becomes a placeholder.
 */
export function formatLog(format: unknown, args: readonly unknown[]): string {
  if (typeof format !== 'string') return [format, ...args].map(renderValue).join(' ');
  if (args.length === 0) return format;
  let next = 0;
  let out = format.replace(/%([sdifvjoO%])/g, (match, verb: string) => {
    if (verb === '%') return '%';
    if (next >= args.length) return match;
    const value = args[next++];
    switch (verb) {
      case 'd':
      case 'i':
        return formatInteger(value, verb === 'i');
      case 'f':
        return String(toNumber(value));
      case 'j':
      case 'o':
      case 'O':
        return safeJson(value);
      default:
        return renderValue(value);
    }
  });
  for (; next < args.length; next++) out += ` ${renderValue(args[next])}`;
  return out;
}

function formatInteger(value: unknown, truncate: boolean): string {
  if (typeof value === 'bigint') return `${value}n`;
  const number = toNumber(value);
  return String(truncate ? Math.trunc(number) : number);
}

/** Number(value), or NaN where it throws: a Symbol, an object whose valueOf or toPrimitive throws. */
function toNumber(value: unknown): number {
  try {
    return Number(value);
  } catch {
    return Number.NaN;
  }
}

/** `%s`/`%v`: strings as they are, errors by their message, objects as JSON. */
export function renderValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isError(value)) {
    try {
      return value.message ? `${value.name}: ${value.message}` : value.name;
    } catch {
      // A getter that throws: the line is still logged.
      return '[Error whose message could not be read]';
    }
  }
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return `${value}n`;
    try {
      return String(value);
    } catch {
      // A function whose toString throws: its event was dropped whole.
      return `[${typeof value} that could not be rendered]`;
    }
  }
  return safeJson(value);
}

/** `instanceof Error`, false for a proxy whose prototype cannot be read. */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

function safeJson(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const seen = new WeakSet<object>();
    const json = JSON.stringify(value, (_key, inner: unknown) => {
      if (typeof inner === 'bigint') return `${inner}n`;
      if (inner instanceof Error) return { name: inner.name, message: inner.message };
      if (typeof inner === 'object' && inner !== null) {
        if (seen.has(inner)) return '[Circular]';
        seen.add(inner);
      }
      return inner;
    });
    return json ?? String(value);
  } catch {
    return '[Unserializable]';
  }
}
