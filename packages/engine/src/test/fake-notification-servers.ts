import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Analysis, analyzeOffline, normalizeEvent } from '@triage/core';
import { verifyWebhookSignature } from '../notifiers/webhook-notifier.js';
import type { Issue } from '../ports/issue-store.js';
import type { Alert } from '../ports/notifier.js';

/** One request as a fake service received it. */
export interface FakeNotificationRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or `undefined` when it was not JSON. */
  body: unknown;
  rawBody: string;
}

/** A scripted answer. `body` objects are sent as JSON, strings as they are. */
export interface FakeNotificationReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | object;
  /** Wait before answering (for timeout tests). */
  delayMs?: number;
  /** Instead of `body`, this many bytes of `x`, written as fast as the client reads them. */
  streamBytes?: number;
}

/** Scripts the fake: return a reply, or `undefined` to answer as the real service would. */
export type FakeNotificationResponder = (
  request: FakeNotificationRequest,
  index: number,
) => FakeNotificationReply | undefined | Promise<FakeNotificationReply | undefined>;

export interface FakeNotificationServer {
  /** The URL to configure the notifier with (the webhook, enqueue or mail-send URL). */
  url: string;
  requests: FakeNotificationRequest[];
  /** Bytes of `streamBytes` answers the clients took before they went away or the answer ended. */
  readonly streamedBytes: number;
  reply(responder: FakeNotificationResponder): void;
  close(): Promise<void>;
}

export interface FakePagerDuty extends FakeNotificationServer {
  /** Alert state per `dedup_key`, as PagerDuty keeps it. */
  alerts: Map<string, 'triggered' | 'acknowledged' | 'resolved'>;
}

type Json = Record<string, unknown>;
type Service = (request: FakeNotificationRequest) => FakeNotificationReply;

/**
 * A Slack incoming webhook: `200 ok`, or Slack's documented errors as text:
 * 404 `no_service` on another path, 400 `invalid_payload` for a body that is
 * not JSON, `no_text` with neither text nor blocks, and `invalid_blocks` when
 * a block breaks Block Kit's limits (50 blocks, header 150, section text 3000,
 * 10 fields of 2000, button text 75 and URL 3000).
 */
export function startFakeSlack(): Promise<FakeNotificationServer> {
  const path = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
  const text = (status: number, body: string) => ({
    status,
    headers: { 'content-type': 'text/plain' },
    body,
  });
  return startFake(path, (request) => {
    if (request.path !== path) return text(404, 'no_service');
    const body = request.body as { text?: unknown; blocks?: unknown } | undefined;
    if (typeof body !== 'object' || body === null) return text(400, 'invalid_payload');
    if (!body.text && !body.blocks) return text(400, 'no_text');
    if (body.blocks !== undefined && !validBlocks(body.blocks)) return text(400, 'invalid_blocks');
    return text(200, 'ok');
  });
}

/**
 * PagerDuty's Events API v2 (`/v2/enqueue`): 202 `{ status: 'success',
 * message: 'Event processed', dedup_key }`, or 400 `{ status: 'invalid event',
 * message: 'Event object is invalid', errors }` when `routing_key` (a
 * 32-character integration key), the action, or (to trigger)
 * `payload.summary`, `source` or `severity` is missing or wrong.
 */
export async function startFakePagerDuty(): Promise<FakePagerDuty> {
  const alerts: FakePagerDuty['alerts'] = new Map();
  const server = await startFake('/v2/enqueue', (request) => {
    if (request.path !== '/v2/enqueue') return { status: 404, body: { status: 'not found' } };
    const body = (request.body ?? {}) as Json;
    const payload = (body.payload ?? {}) as Json;
    const action = body.event_action;
    const errors: string[] = [];
    const blank = (value: unknown) => typeof value !== 'string' || value.trim() === '';
    if (request.body === undefined) errors.push('Malformed JSON');
    if (blank(body.routing_key)) errors.push("'routing_key' is missing or blank");
    else if (String(body.routing_key).length !== 32) errors.push('Invalid routing key');
    if (action !== 'trigger' && action !== 'acknowledge' && action !== 'resolve') {
      errors.push("'event_action' must be one of trigger, acknowledge or resolve");
    }
    if (action === 'trigger') {
      if (blank(payload.summary)) errors.push("'payload.summary' is missing or blank");
      else if ((payload.summary as string).length > 1024) errors.push("'payload.summary' is too long");
      if (blank(payload.source)) errors.push("'payload.source' is missing or blank");
      if (!['critical', 'error', 'warning', 'info'].includes(payload.severity as string)) {
        errors.push("'payload.severity' is invalid (must be one of critical, error, warning or info)");
      }
    } else if (blank(body.dedup_key)) {
      errors.push("'dedup_key' is required for acknowledge and resolve events");
    }
    if (typeof body.dedup_key === 'string' && body.dedup_key.length > 255)
      errors.push("'dedup_key' is too long");
    if (errors.length > 0) {
      return { status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors } };
    }
    const dedupKey = (body.dedup_key as string | undefined) ?? randomUUID().replace(/-/g, '');
    alerts.set(
      dedupKey,
      action === 'trigger' ? 'triggered' : action === 'resolve' ? 'resolved' : 'acknowledged',
    );
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
  });
  return { ...server, alerts };
}

/**
 * SendGrid's v3 Mail Send (`/v3/mail/send`): 202 with an empty body, 401 when
 * the bearer key is not `apiKey`, 400 with SendGrid's `errors` for a missing
 * personalization, recipient, sender, subject or content, or HTML before text.
 */
export function startFakeSendGrid({
  apiKey = 'SG.fake-key',
}: {
  apiKey?: string;
} = {}): Promise<FakeNotificationServer & { apiKey: string }> {
  const fail = (status: number, ...errors: Array<[string | null, string]>) => ({
    status,
    body: { errors: errors.map(([field, message]) => ({ message, field, help: null })) },
  });
  return startFake('/v3/mail/send', (request) => {
    if (request.path !== '/v3/mail/send') return fail(404, [null, 'Not Found']);
    const authorization = request.headers.authorization;
    if (!authorization) return fail(401, [null, 'authorization required']);
    if (authorization !== `Bearer ${apiKey}`) {
      return fail(401, [null, 'The provided authorization grant is invalid, expired, or revoked']);
    }
    if (request.body === undefined) return fail(400, [null, 'Bad Request']);
    return sendGridProblems(request.body as Json);
  }).then((server) => ({ ...server, apiKey }));
}

/**
 * Any webhook receiver: 200 for every POST. With `secret`, it checks
 * `X-Triage-Signature` as a real receiver should and answers 401 when it fails.
 */
export function startFakeWebhookReceiver({
  secret,
}: {
  secret?: string;
} = {}): Promise<FakeNotificationServer> {
  return startFake('/hooks/triage', (request) => {
    const valid =
      !secret ||
      verifyWebhookSignature({
        secret,
        body: request.rawBody,
        timestamp: request.headers['x-triage-timestamp'] as string | undefined,
        signature: request.headers['x-triage-signature'] as string | undefined,
      });
    return valid ? { status: 200, body: { received: true } } : { status: 401, body: 'invalid signature' };
  });
}

/** An alert from the offline analyzer, like the engine sends, with overrides. */
export function fakeAlert({
  lines = ['ERROR: Connection pool exhausted (10/10 connections active)'],
  analysis,
  issue,
}: {
  lines?: string[];
  analysis?: Partial<Analysis>;
  issue?: Partial<Issue>;
} = {}): Alert {
  const event = normalizeEvent({
    service: 'checkout',
    environment: 'production',
    release: '1.4.2',
    source: { file: 'main.ts', function: 'ProtectedHandler' },
    priority: 'P1',
    log: lines,
  });
  const result = analyzeOffline(event);
  Object.assign(result.analysis, analysis);
  return {
    event,
    result,
    issue: {
      id: 'issue-1',
      fingerprint: 'f'.repeat(32),
      title: result.analysis.title,
      description: '',
      analysis: result.markdown,
      priority: 'P1',
      status: 'new',
      source: 'offline-rules',
      service: 'checkout',
      createdAt: 1_700_000_000_000,
      firstSeen: 1_700_000_000_000,
      lastSeen: 1_700_000_060_000,
      count: 3,
      usersAffected: 2,
      lastEventId: event.id,
      ...issue,
    } as Issue,
  };
}

function sendGridProblems(body: Json): FakeNotificationReply {
  const errors: Array<{ message: string; field: string | null; help: null }> = [];
  const add = (field: string, message: string) => errors.push({ message, field, help: null });
  const personalizations = body.personalizations as Array<{ to?: Array<{ email?: unknown }> }> | undefined;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    add(
      'personalizations',
      'The personalizations field is required and must have at least one personalization.',
    );
  } else {
    personalizations.forEach((personalization, index) => {
      const to = personalization.to;
      if (
        !Array.isArray(to) ||
        to.length === 0 ||
        !to.every((entry) => /^[^@\s]+@[^@\s]+$/.test(String(entry.email)))
      ) {
        add(
          `personalizations.${index}.to`,
          'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
        );
      } else if (new Set(to.map((entry) => String(entry.email).toLowerCase())).size !== to.length) {
        add(
          `personalizations.${index}`,
          'Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [dup] in the personalizations.0.to field.',
        );
      }
    });
  }
  const from = (body.from as Json | undefined)?.email;
  if (typeof from === 'string' && !/^[^@\s<>]+@[^@\s<>]+$/.test(from)) {
    add('from.email', 'The from email does not contain a valid address.');
  } else if (typeof from !== 'string') {
    add(
      'from',
      'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.',
    );
  }
  if (typeof body.subject !== 'string' || body.subject === '') add('subject', 'The subject is required.');
  const content = body.content as Array<{ type?: unknown; value?: unknown }> | undefined;
  if (!Array.isArray(content) || content.length === 0) {
    add('content', 'Unless a valid template_id is provided, the content parameter is required.');
  } else {
    const types = content.map((part) => part.type);
    if (types.includes('text/plain') && types[0] !== 'text/plain') {
      add(
        'content',
        'If present, text/plain content must be first, followed by text/html, followed by any other content.',
      );
    }
    content.forEach((part, index) => {
      if (typeof part.value !== 'string' || part.value === '') {
        add(`content.${index}.value`, 'The content value must be a string at least one character in length.');
      }
    });
  }
  return errors.length > 0
    ? { status: 400, body: { errors } }
    : { status: 202, headers: { 'x-message-id': randomUUID() } };
}

function validBlocks(blocks: unknown): boolean {
  const textOf = (value: unknown, limit: number, type?: string) => {
    const text = value as { type?: unknown; text?: unknown } | undefined;
    return (
      typeof text?.text === 'string' &&
      text.text.length > 0 &&
      text.text.length <= limit &&
      (type === undefined ? text.type === 'plain_text' || text.type === 'mrkdwn' : text.type === type)
    );
  };
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > 50) return false;
  return blocks.every((block: Json) => {
    switch (block.type) {
      case 'header':
        return textOf(block.text, 150, 'plain_text');
      case 'section': {
        const fields = block.fields as unknown[] | undefined;
        if (block.text === undefined && fields === undefined) return false;
        if (block.text !== undefined && !textOf(block.text, 3000)) return false;
        return fields === undefined || (fields.length <= 10 && fields.every((field) => textOf(field, 2000)));
      }
      case 'context': {
        const elements = block.elements as unknown[];
        return (
          Array.isArray(elements) && elements.length <= 10 && elements.every((item) => textOf(item, 3000))
        );
      }
      case 'actions': {
        const elements = block.elements as Json[];
        return (
          Array.isArray(elements) &&
          elements.length <= 25 &&
          elements.every(
            (item) =>
              item.type === 'button' &&
              textOf(item.text, 75, 'plain_text') &&
              (item.url === undefined || (typeof item.url === 'string' && item.url.length <= 3000)),
          )
        );
      }
      case 'divider':
        return true;
      default:
        return false;
    }
  });
}

async function startFake(path: string, service: Service): Promise<FakeNotificationServer> {
  let responder: FakeNotificationResponder = () => undefined;
  const requests: FakeNotificationRequest[] = [];
  let streamed = 0;
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const received: FakeNotificationRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
      body,
      rawBody,
    };
    requests.push(received);
    const reply = (await responder(received, requests.length - 1)) ?? service(received);
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (response.destroyed) return;
    if (reply.streamBytes !== undefined) {
      response.writeHead(reply.status, reply.headers);
      streamed += await streamTo(response, reply.streamBytes);
      return;
    }
    const isJson = reply.body !== undefined && typeof reply.body !== 'string';
    response.writeHead(reply.status, {
      ...(isJson ? { 'content-type': 'application/json' } : {}),
      ...reply.headers,
    });
    response.end(isJson ? JSON.stringify(reply.body) : reply.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    get streamedBytes() {
      return streamed;
    },
    reply(next) {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `bytes` bytes of `x`, waiting for the client to read; stops when it goes away. Resolves with what was written. */
function streamTo(response: ServerResponse, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let written = 0;
  return new Promise((resolve) => {
    const done = () => resolve(written);
    response.once('close', done);
    const write = () => {
      while (written < bytes && !response.destroyed) {
        const size = Math.min(chunk.length, bytes - written);
        written += size;
        if (!response.write(size === chunk.length ? chunk : chunk.subarray(0, size))) {
          response.once('drain', write);
          return;
        }
      }
      if (!response.destroyed) response.end();
    };
    write();
  });
}
