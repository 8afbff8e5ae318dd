import { ConfigError } from '../errors/config-error.js';

export interface NumberBounds {
  min: number;
  max?: number;
  /** Whole numbers only (counts, ports, days). */
  integer?: boolean;
}

/**
 * A number from an environment variable; undefined when unset or blank. Anything else that is not a
 * number within the bounds is a ConfigError naming the variable: `Number("abc")` is NaN, and a NaN
 * limit refused every event, a NaN retention deleted none.
 */
export function numberFromEnv(
  env: Record<string, string | undefined>,
  name: string,
  { min, max = Number.POSITIVE_INFINITY, integer = false }: NumberBounds,
): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value)))
    return value;
  const kind = integer ? 'a whole number' : 'a number';
  const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `from ${min} to ${max}`;
  throw new ConfigError(`${name} must be ${kind} ${range}, got "${raw}"`);
}
