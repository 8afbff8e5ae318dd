/**
 * The analysis schema as a model is given it: without `minLength` and `maxLength`. OpenAI's strict
 * structured outputs (which the AI SDK asks for) refuse a schema holding them with a 400, so every
 * analysis went to the offline rules; other providers' strict modes list them as unsupported too. The
 * lengths still hold: every answer is cut to them here (fitAnalysisLengths) before it is validated.
 */
export function withoutStringLengths<T>(schema: T): T {
  return strip(schema) as T;
}

function strip(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strip);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'minLength' || key === 'maxLength') continue;
    // Property names are data, not keywords: a property called "maxLength" stays.
    out[key] =
      key === 'properties' && typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([name, property]) => [name, strip(property)]))
        : strip(value);
  }
  return out;
}
