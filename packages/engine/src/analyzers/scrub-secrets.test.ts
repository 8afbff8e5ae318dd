import { describe, expect, it } from 'vitest';
import { scrubSecrets } from './scrub-secrets.js';

describe('scrubSecrets', () => {
  it('should take out a key the 2,000-character cut goes through, not keep its first part', () => {
    const key = 'k9QwErTyUiOpAsDfGhJkLzXcVbNm';
    const text = `${'x'.repeat(1_990)} ${key} and more`;
    const scrubbed = scrubSecrets(text, [key]);
    expect(scrubbed).not.toContain(key.slice(0, 6));
    expect(scrubbed.length).toBeLessThanOrEqual(2_000);
  });

  it('should take out the key as typed and percent-encoded, and any URL user information', () => {
    const key = 'abc/def+ghi';
    expect(
      scrubSecrets(
        `Received API Key = ${key}, or ${encodeURIComponent(key)} from https://bob:pw@proxy.local/v1`,
        [key],
      ),
    ).toBe('Received API Key = [secret], or [secret] from https://[secret]@proxy.local/v1');
  });
});
