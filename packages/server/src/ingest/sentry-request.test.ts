import { describe, expect, it } from 'vitest';
import { requestFromSentry, userFromSentry } from './sentry-request.js';

describe('requestFromSentry', () => {
  it('should keep method, URL with its query string and non-sensitive headers', () => {
    const request = requestFromSentry(
      {
        method: 'post',
        url: 'https://shop.example.com/checkout',
        query_string: 'order=7',
        headers: {
          'Content-Type': 'application/json',
          Authorization: 'Bearer abc',
          Cookie: 'session=1',
          'X-Api-Key': 'k',
          'X-CSRF-Token': 't',
          'User-Agent': 'curl/8',
          'X-Filtered': '[Filtered]',
        },
        data: { card: '4111 1111 1111 1111' },
        env: { REMOTE_ADDR: '203.0.113.9' },
      },
      { response: { status_code: 500 } },
    );
    expect(request).toEqual({
      method: 'POST',
      url: 'https://shop.example.com/checkout?order=7',
      status: 500,
      headers: { 'content-type': 'application/json', 'user-agent': 'curl/8' },
    });
  });

  it('should accept headers and query strings as [key, value] pairs', () => {
    const request = requestFromSentry(
      {
        url: '/search',
        headers: [['Accept', 'text/html'], ['Set-Cookie', 'a=1'], ['bad']],
        query_string: [
          ['q', 'shoes'],
          ['page', 2],
        ],
      },
      undefined,
    );
    expect(request).toEqual({
      method: undefined,
      url: '/search?q=shoes&page=2',
      status: undefined,
      headers: { accept: 'text/html' },
    });
  });

  it('should not append a query string the URL already has', () => {
    expect(requestFromSentry({ url: '/a?b=1', query_string: 'b=1' }, undefined)?.url).toBe('/a?b=1');
  });

  it('should return undefined without a request or response', () => {
    expect(requestFromSentry(undefined, {})).toBeUndefined();
    expect(requestFromSentry('GET /', 1)).toBeUndefined();
  });
});

describe('userFromSentry', () => {
  it('should keep id (numbers too) and email, else the username', () => {
    expect(
      userFromSentry({ id: 42, email: 'ada@example.com', ip_address: '1.2.3.4', username: 'ada' }),
    ).toEqual({
      id: '42',
      email: 'ada@example.com',
    });
    expect(userFromSentry({ username: 'grace', ip_address: '1.2.3.4' })).toEqual({ username: 'grace' });
    expect(userFromSentry({ ip_address: '{{auto}}' })).toBeUndefined();
    expect(userFromSentry('ada')).toBeUndefined();
  });
});
