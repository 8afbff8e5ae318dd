import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Analysis } from '@triage/core';

/** One chat-completions request as the fake server received it. */
export interface FakeLlmRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: {
    model?: string;
    messages?: Array<{ role: string; content: unknown }>;
    response_format?: unknown;
    [key: string]: unknown;
  };
  /** All user message text, joined: what the model was asked. */
  prompt: string;
}

/** What the fake answers: model text (wrapped in a chat completion), or a raw HTTP response. */
export interface FakeLlmReply {
  content?: string;
  status?: number;
  headers?: Record<string, string>;
  /** Raw JSON body; overrides `content`. */
  body?: unknown;
  /** Wait before answering (for timeout tests). */
  delayMs?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

export type FakeLlmResponder = (
  request: FakeLlmRequest,
  index: number,
) => FakeLlmReply | Promise<FakeLlmReply>;

export interface FakeLlmServer {
  /** Base URL for OpenAI-compatible clients, e.g. `http://127.0.0.1:40123/v1`. */
  url: string;
  /** Base URL with Groq's path (`/openai/v1`). */
  groqUrl: string;
  requests: FakeLlmRequest[];
  reply(responder: FakeLlmResponder): void;
  close(): Promise<void>;
}

/**
 * A local server speaking the OpenAI chat-completions wire format (on `/v1`
 * and on Groq's `/openai/v1`), so the real provider clients run end to end with
 * no network. The default answer is a valid analysis quoting the prompt's last
 * ERROR line.
 */
export async function startFakeLlmServer(
  responder: FakeLlmResponder = defaultResponder,
): Promise<FakeLlmServer> {
  let current = responder;
  const requests: FakeLlmRequest[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const path = request.url ?? '/';
    if (request.method !== 'POST' || !/\/chat\/completions$/.test(path.split('?')[0]!)) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          error: { message: `no route ${request.method} ${path}`, type: 'invalid_request_error' },
        }),
      );
      return;
    }
    let body: FakeLlmRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: 'body is not JSON', type: 'invalid_request_error' } }));
      return;
    }
    const prompt = (body.messages ?? [])
      .filter((message) => message.role === 'user')
      .map((message) =>
        typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
      )
      .join('\n');
    const received: FakeLlmRequest = { path, headers: request.headers, body, prompt };
    requests.push(received);
    const reply = await current(received, requests.length - 1);
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (response.destroyed) return;
    const status = reply.status ?? 200;
    const payload =
      reply.body ??
      (status === 200
        ? chatCompletion(
            body.model ?? 'unknown',
            reply.content ?? '',
            reply.usage ?? estimateUsage(prompt, reply.content ?? ''),
          )
        : { error: { message: `fake error ${status}`, type: 'server_error' } });
    response.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    groqUrl: `http://127.0.0.1:${port}/openai/v1`,
    requests,
    reply(next) {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function chatCompletion(
  model: string,
  content: string,
  usage: { prompt_tokens: number; completion_tokens: number },
) {
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

function estimateUsage(prompt: string, content: string) {
  return { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: Math.ceil(content.length / 4) };
}

/** The last line of the fenced log that says ERROR, verbatim. */
export function lastErrorLine(prompt: string): string | undefined {
  const fenced = /<<<LOG\n([\s\S]*?)\nLOG>>>/.exec(prompt)?.[1] ?? prompt;
  return fenced
    .split('\n')
    .filter((line) => /ERROR/.test(line))
    .pop();
}

/** A valid analysis, with overrides. */
export function fakeAnalysis(overrides: Partial<Analysis> = {}): Analysis {
  return {
    title: 'Database connection pool exhausted',
    summary: 'All connections of the pool were in use, so the request timed out waiting for one.',
    rootCause:
      'The connection pool (10 connections) is too small for the concurrent load, or connections leak.',
    category: 'resource_exhausted',
    severity: 'high',
    businessImpact: {
      userImpact: 'Requests fail with HTTP 500',
      scope: 'All concurrent users of the endpoint',
      revenueImpact: 'Lost conversions while the pool is full',
    },
    remediation: ['Increase the pool size from 10 to 20', 'Find and fix connections that are not released'],
    prevention: ['Alert on pool saturation', 'Set a query timeout'],
    confidence: 0.85,
    insufficientContext: false,
    evidence: [],
    remediationType: 'config_change',
    ...overrides,
  };
}

const defaultResponder: FakeLlmResponder = (request) => {
  const line = lastErrorLine(request.prompt);
  return { content: JSON.stringify(fakeAnalysis({ evidence: line ? [line] : [] })) };
};
