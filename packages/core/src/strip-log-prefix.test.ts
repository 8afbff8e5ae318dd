import { describe, expect, it } from 'vitest';
import { stripLogPrefix, stripTimestamp } from './strip-log-prefix.js';

describe('stripLogPrefix', () => {
  it('should take off a timestamp and a level word', () => {
    expect(stripLogPrefix('2026-01-05T10:00:00.000Z ERROR TypeError: boom')).toBe('TypeError: boom');
    expect(stripLogPrefix('2026/01/05 10:00:00 dial tcp: i/o timeout')).toBe('dial tcp: i/o timeout');
    expect(stripLogPrefix('[WARN] pool exhausted')).toBe('pool exhausted');
    // A level is a whole word.
    expect(stripLogPrefix('2026-01-05T10:00:00Z warning: disk 91% full')).toBe('disk 91% full');
    expect(stripLogPrefix('2026-01-05T10:00:00Z Errands queue stalled')).toBe('Errands queue stalled');
  });

  it("should take off klog's header but for the file's name", () => {
    expect(
      stripLogPrefix(
        'E1118 10:32:15.123456       1 reflector.go:138] dial tcp 10.0.0.7:5432: connect: connection refused',
      ),
    ).toBe('reflector.go: dial tcp 10.0.0.7:5432: connect: connection refused');
    // -add_dir_header writes the file's directory.
    expect(
      stripLogPrefix(
        'W0102 15:04:05.000001   24371 k8s.io/client-go/tools/cache/reflector.go:140] "Failed to watch"',
      ),
    ).toBe('reflector.go: "Failed to watch"');
  });

  it("should take off RFC 3164 syslog's date, host and pid, keeping the tag", () => {
    expect(stripLogPrefix('Nov 30 10:32:15 web1 app[1234]: ERROR connect ECONNREFUSED 10.0.0.7:5432')).toBe(
      'app: connect ECONNREFUSED 10.0.0.7:5432',
    );
    expect(
      stripLogPrefix('Dec  1 10:32:15 10.0.0.3 postfix/smtpd[77]: warning: hostname does not resolve'),
    ).toBe('postfix/smtpd: hostname does not resolve');
    expect(
      stripLogPrefix("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8"),
    ).toBe("su: 'su root' failed for lonvick on /dev/pts/8");
  });

  it("should take off rsyslog's and journalctl's ISO time, host and pid, keeping the tag", () => {
    const line = (time: string, host: string, pid: number) =>
      stripLogPrefix(`${time} ${host} app[${pid}]: ERROR connect ECONNREFUSED 10.0.0.7:5432`);
    expect(line('2026-12-08T10:32:15.123456+00:00', 'web1', 1234)).toBe(
      'app: connect ECONNREFUSED 10.0.0.7:5432',
    );
    expect(line('2026-12-09T03:01:44+0100', 'web2', 77)).toBe('app: connect ECONNREFUSED 10.0.0.7:5432');
    // After a `Z` (toISOString), an application's own words: not taken for a host and a tag.
    expect(stripLogPrefix('2026-12-08T10:32:15.000Z Rejected orders[2]: card declined')).toBe(
      'Rejected orders[2]: card declined',
    );
    // Without a pid it may be the message's own words: only the time goes.
    expect(stripLogPrefix('2026-12-08T10:32:15Z web1 app: connect refused')).toBe(
      'web1 app: connect refused',
    );
  });

  it("should take off RFC 5424 syslog's header and structured data, keeping the app's name", () => {
    expect(
      stripLogPrefix(
        '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] \uFEFFAn application event log entry',
      ),
    ).toBe('evntslog: An application event log entry');
    expect(
      stripLogPrefix('<11>1 2026-11-30T10:32:15Z web1 app 1234 - [meta note="a\\]b"] ERROR disk full'),
    ).toBe('app: disk full');
    expect(stripLogPrefix('<11>1 - web1 - - - - disk full')).toBe('disk full');
  });

  it('should take off a time of day and the thread after it', () => {
    expect(
      stripLogPrefix('14:32:15.123 [http-nio-8080-exec-3] ERROR c.s.OrderService - Order 43 failed'),
    ).toBe('c.s.OrderService - Order 43 failed');
    expect(stripLogPrefix('14:32:15,123 [main] WARN  com.acme.Job - retrying')).toBe(
      'com.acme.Job - retrying',
    );
  });

  it('should leave what only resembles a header', () => {
    // java.util.logging's date holds a year and a comma; a time without a thread may be the message's.
    expect(stripLogPrefix('Nov 27, 2026 7:39:30 AM com.acme.orders.QuoteClient main')).toBe(
      'Nov 27, 2026 7:39:30 AM com.acme.orders.QuoteClient main',
    );
    expect(stripLogPrefix('10:00:00 job ran late')).toBe('10:00:00 job ran late');
    expect(stripLogPrefix('E1118 is the code of the failure')).toBe('E1118 is the code of the failure');
  });
});

describe('stripTimestamp', () => {
  it('should leave the level word, which may be an exception type', () => {
    expect(stripTimestamp('2026-01-05T10:00:00Z Error: boom')).toBe('Error: boom');
  });
});
