import { describe, expect, it } from 'vitest';
import { IngestError } from './ingest-error.js';

describe('IngestError', () => {
  it('should carry the HTTP status and the reason', () => {
    const error = new IngestError(413, 'body is larger than 10 bytes');
    expect(error.status).toBe(413);
    expect(error.message).toBe('body is larger than 10 bytes');
    expect(error.name).toBe('IngestError');
    expect(error).toBeInstanceOf(Error);
  });

  it('should be recognised by its marker, also from another copy of the package', () => {
    const copy = Object.assign(new Error('x'), { [Symbol.for('triage.error.ingest')]: true, status: 400 });
    expect(IngestError.isInstance(new IngestError(400, 'x'))).toBe(true);
    expect(IngestError.isInstance(copy)).toBe(true);
    expect(IngestError.isInstance(new Error('x'))).toBe(false);
    expect(IngestError.isInstance(undefined)).toBe(false);
  });
});
