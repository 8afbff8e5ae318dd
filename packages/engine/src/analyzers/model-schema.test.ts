import { describe, expect, it } from 'vitest';
import { withoutStringLengths } from './model-schema.js';

describe('withoutStringLengths', () => {
  it('should take out minLength and maxLength at every depth, and keep property names and other bounds', () => {
    const schema = {
      type: 'object',
      properties: {
        title: { type: 'string', minLength: 1, maxLength: 120 },
        maxLength: { type: 'number', minimum: 0 },
        steps: { type: 'array', maxItems: 5, items: { type: 'string', maxLength: 300 } },
        impact: { anyOf: [{ type: 'string', maxLength: 10 }, { type: 'null' }] },
      },
      required: ['title', 'maxLength', 'steps', 'impact'],
      additionalProperties: false,
    };
    expect(withoutStringLengths(schema)).toEqual({
      type: 'object',
      properties: {
        title: { type: 'string' },
        maxLength: { type: 'number', minimum: 0 },
        steps: { type: 'array', maxItems: 5, items: { type: 'string' } },
        impact: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
      required: ['title', 'maxLength', 'steps', 'impact'],
      additionalProperties: false,
    });
    // The input is left as it was.
    expect(schema.properties.title.maxLength).toBe(120);
  });
});
