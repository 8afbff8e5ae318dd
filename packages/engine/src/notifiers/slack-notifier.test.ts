import { afterEach, describe, expect, it } from 'vitest';
import { deliveryErrorOf } from '../test/delivery-error-of.js';
import { type FakeNotificationServer, fakeAlert, startFakeSlack } from '../test/fake-notification-servers.js';
import { createSlackNotifier } from './slack-notifier.js';

interface TextObject {
  type: string;
  text: string;
}
interface SlackPayload {
  text: string;
  blocks: Array<{
    type: string;
    text?: TextObject;
    fields?: TextObject[];
    elements?: Array<TextObject & { url?: string; text: TextObject | string }>;
  }>;
}

let slack: FakeNotificationServer | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

describe('createSlackNotifier', () => {
  it('should post the documented webhook payload: fallback text and Block Kit blocks', async () => {
    slack = await startFakeSlack();
    const alert = fakeAlert();
    const { analysis } = alert.result;
    await createSlackNotifier({ webhookUrl: slack.url, dashboardUrl: 'http://triage.local/' }).send(alert);

    const [request] = slack.requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    const body = request?.body as SlackPayload;
    expect(body.text).toBe(`[${analysis.severity.toUpperCase()}] ${analysis.title} — ${analysis.summary}`);
    expect(body.blocks.map((block) => block.type)).toEqual([
      'header',
      'section',
      'section',
      'section',
      'section',
      'context',
      'actions',
    ]);
    const [header, facts, rootCause, remediation, prevention, context, actions] = body.blocks;
    expect(header?.text).toEqual({ type: 'plain_text', text: analysis.title });
    expect(facts?.text).toEqual({ type: 'mrkdwn', text: analysis.summary, verbatim: true });
    expect(facts?.fields).toEqual([
      { type: 'mrkdwn', text: `*Severity*\n${analysis.severity.toUpperCase()}`, verbatim: true },
      { type: 'mrkdwn', text: '*Priority*\nP1', verbatim: true },
      { type: 'mrkdwn', text: '*Occurrences*\n3', verbatim: true },
      {
        type: 'mrkdwn',
        text: '*First seen*\n<!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20.000Z>',
        verbatim: true,
      },
      { type: 'mrkdwn', text: `*Category*\n${analysis.category}`, verbatim: true },
      { type: 'mrkdwn', text: '*Source*\nProtectedHandler in main.ts', verbatim: true },
    ]);
    expect(rootCause?.text?.text).toBe(`*Root Cause*\n${analysis.rootCause}`);
    expect(remediation?.text?.text).toBe(
      `*Remediation*\n${analysis.remediation.map((step, index) => `${index + 1}. ${step}`).join('\n')}`,
    );
    expect(prevention?.text?.text).toBe(
      `*Prevention*\n${analysis.prevention.map((item) => `• ${item}`).join('\n')}`,
    );
    expect(context?.elements?.[0]?.text).toMatch(
      /^Analyzed by Triage's offline rules, not by an LLM · confidence \d+%$/,
    );
    expect(actions?.elements).toEqual([
      {
        type: 'button',
        action_id: 'triage-open-issue',
        text: { type: 'plain_text', text: 'Open in Triage' },
        url: 'http://triage.local/issues/issue-1',
      },
    ]);
  });

  it('should name the model that analyzed the issue and leave out the button without a dashboard', async () => {
    slack = await startFakeSlack();
    const alert = fakeAlert();
    alert.result.meta = { analyzer: 'llm', provider: 'openai', model: 'gpt-4o-mini', notes: [] };
    await createSlackNotifier({ webhookUrl: slack.url }).send(alert);
    const body = slack.requests[0]?.body as SlackPayload;
    expect(body.blocks.map((block) => block.type)).not.toContain('actions');
    expect(body.blocks.at(-1)?.elements?.[0]?.text).toMatch(/^Analyzed by openai\/gpt-4o-mini · confidence/);
  });

  it('should escape &, < and > in LLM text so it cannot inject HTML, mentions or links', async () => {
    slack = await startFakeSlack();
    const hostile =
      '<script>alert(1)</script> & <!channel> <@U024BE7LH> <https://evil.example|reset your password>';
    const alert = fakeAlert({
      analysis: { title: `Pool <b>exhausted</b> & ${hostile}`, rootCause: hostile, remediation: [hostile] },
    });
    await createSlackNotifier({ webhookUrl: slack.url }).send(alert);

    const raw = slack.requests[0]?.rawBody ?? '';
    expect(raw).not.toMatch(/<script|<!channel>|<@U024BE7LH>|<https:/);
    const body = slack.requests[0]?.body as SlackPayload;
    const escaped =
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt; &lt;@U024BE7LH&gt; &lt;https://evil.example|reset your password&gt;';
    expect(body.blocks[2]?.text?.text).toBe(`*Root Cause*\n${escaped}`);
    expect(body.blocks[3]?.text?.text).toBe(`*Remediation*\n1. ${escaped}`);
    expect(body.text).toContain('Pool &lt;b&gt;exhausted&lt;/b&gt; &amp; &lt;script&gt;');
    // Nor may Slack parse a mention written as plain text: every mrkdwn object is verbatim.
    // Walked, not matched in the raw JSON: a date token's `{time}` ends no object.
    const mrkdwn: Array<Record<string, unknown>> = [];
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (typeof value === 'object' && value !== null) {
        if ((value as { type?: unknown }).type === 'mrkdwn') mrkdwn.push(value as Record<string, unknown>);
        Object.values(value).forEach(collect);
      }
    };
    collect(body.blocks);
    expect(mrkdwn.length).toBeGreaterThan(0);
    expect(mrkdwn.every((object) => object.verbatim === true)).toBe(true);
  });

  it('should mark a regressed issue in the header and the text, with when it was resolved and the note', async () => {
    slack = await startFakeSlack();
    const alert = fakeAlert({
      analysis: { severity: 'critical', title: 'Connection pool exhausted', summary: 'The pool ran out.' },
      issue: {
        status: 'regressed',
        resolvedAt: Date.UTC(2026, 0, 5, 10, 6),
        resolutionNote: 'raised the pool to 20 & told <!channel> <https://evil.example|here>',
      },
    });
    await createSlackNotifier({ webhookUrl: slack.url }).send(alert);
    const body = slack.requests[0]?.body as SlackPayload;
    expect(body.text).toBe('[CRITICAL] Regressed: Connection pool exhausted — The pool ran out.');
    expect(body.blocks.map((block) => block.type)).toEqual([
      'header',
      'context',
      'section',
      'section',
      'section',
      'section',
      'context',
    ]);
    expect(body.blocks[0]?.text?.text).toBe('Regressed: Connection pool exhausted');
    expect(body.blocks[1]?.elements).toEqual([
      {
        type: 'mrkdwn',
        text: '*Regressed* · resolved <!date^1767607560^{date_short_pretty} {time}|2026-01-05T10:06:00.000Z>: raised the pool to 20 &amp; told &lt;!channel&gt; &lt;https://evil.example|here&gt;',
        verbatim: true,
      },
    ]);
    expect(slack.requests[0]?.rawBody).not.toMatch(/<!channel>|<https:/);
  });

  it('should say nothing of a regression for a new issue, and cut a long note to the context limit', async () => {
    slack = await startFakeSlack();
    const notifier = createSlackNotifier({ webhookUrl: slack.url });
    await notifier.send(fakeAlert({ issue: { status: 'new', resolutionNote: 'an old note' } }));
    // The REST API takes notes of up to 10,000 characters; the fake refuses a context over 3,000.
    await notifier.send(
      fakeAlert({ issue: { status: 'regressed', resolutionNote: 'Pool & queue '.repeat(769) } }),
    );
    const [fresh, regressed] = slack.requests.map((request) => request.body as SlackPayload);
    expect(JSON.stringify(fresh)).not.toMatch(/Regressed|an old note/);
    const line = regressed?.blocks[1]?.elements?.[0]?.text as string;
    expect(line).toMatch(/^\*Regressed\* · resolved: Pool &amp; queue /);
    expect(line.length).toBeLessThanOrEqual(3000);
    expect(line).toMatch(/…$/);
    expect(line).not.toMatch(/&[a-z]*…$/);
  });

  it('should cut over-long analysis text to Block Kit limits, ending with …', async () => {
    slack = await startFakeSlack();
    // '&' everywhere: escaping lengthens the text, and a cut must not split '&amp;'.
    const long = (length: number) => 'Pool & queue '.repeat(Math.ceil(length / 13)).slice(0, length);
    const alert = fakeAlert({
      analysis: {
        title: long(400),
        summary: long(5000),
        rootCause: long(10_000),
        category: 'resource_exhausted',
        remediation: Array.from({ length: 10 }, () => long(1000)),
        prevention: Array.from({ length: 10 }, () => long(1000)),
      },
      issue: { priority: 'P0' },
    });
    // The fake answers 400 invalid_blocks for any block over its limit, so delivery itself is the check.
    await createSlackNotifier({ webhookUrl: slack.url, dashboardUrl: 'http://triage.local' }).send(alert);

    const body = slack.requests[0]?.body as SlackPayload;
    const [header, facts, rootCause, remediation, prevention] = body.blocks;
    expect(header?.text?.text).toHaveLength(150);
    for (const block of [facts, rootCause, remediation, prevention]) {
      expect(block?.text?.text.length).toBeLessThanOrEqual(3000);
      expect(block?.text?.text).toMatch(/…$/);
      expect(block?.text?.text).not.toMatch(/&[a-z]*…$/);
    }
    expect(header?.text?.text).toMatch(/…$/);
    expect(body.blocks.length).toBeLessThanOrEqual(50);
  });

  it('should map 429 with Retry-After to a retryable DeliveryError with retryAfterMs', async () => {
    slack = await startFakeSlack();
    slack.reply(() => ({ status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' }));
    const error = await deliveryErrorOf(createSlackNotifier({ webhookUrl: slack.url }).send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: true, retryAfterMs: 1000, status: 429 });
    expect(error.message).toContain('rate_limited');
  });

  it('should treat 500 as retryable', async () => {
    slack = await startFakeSlack();
    slack.reply(() => ({ status: 500, body: 'rollup_error' }));
    const error = await deliveryErrorOf(createSlackNotifier({ webhookUrl: slack.url }).send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: true, status: 500 });
  });

  it.each([
    [400, 'invalid_payload'],
    [403, 'action_prohibited'],
    [410, 'channel_is_archived'],
  ])('should not retry %i %s, and report Slack’s error text', async (status, text) => {
    slack = await startFakeSlack();
    slack.reply(() => ({ status, body: text }));
    const error = await deliveryErrorOf(createSlackNotifier({ webhookUrl: slack.url }).send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: false, status, retryAfterMs: undefined });
    expect(error.message).toBe(`Slack answered ${status}: ${text}`);
  });

  it('should not retry 404 no_service for a webhook that does not exist', async () => {
    slack = await startFakeSlack();
    const webhookUrl = slack.url.replace(/\/[^/]+$/, '/revoked');
    const error = await deliveryErrorOf(createSlackNotifier({ webhookUrl }).send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: false, status: 404 });
    expect(error.message).toContain('no_service');
  });

  it('should treat a refused connection as retryable', async () => {
    slack = await startFakeSlack();
    const { url } = slack;
    await slack.close();
    slack = undefined;
    const error = await deliveryErrorOf(createSlackNotifier({ webhookUrl: url }).send(fakeAlert()));
    expect(error).toMatchObject({ isRetryable: true, status: undefined });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('should give up after timeoutMs and call it retryable', async () => {
    slack = await startFakeSlack();
    slack.reply(() => ({ status: 200, body: 'ok', delayMs: 500 }));
    const error = await deliveryErrorOf(
      createSlackNotifier({ webhookUrl: slack.url, timeoutMs: 50 }).send(fakeAlert()),
    );
    expect(error).toMatchObject({ isRetryable: true });
    expect(error.message).toContain('no answer within 50 ms');
  });
});
