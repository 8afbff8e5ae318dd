import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Analysis } from '@triage/core';

/** Which provider's wire format a request used. */
export type FakeLlmWire = 'openai' | 'anthropic' | 'ollama';

/** One request as the fake server received it. */
export interface FakeLlmRequest {
  wire: FakeLlmWire;
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
  usage?: FakeLlmUsage;
  /**
   * The answer ran out of output tokens, `content` being what was written before (empty when a
   * reasoning model spent them all reasoning): OpenAI's `finish_reason: "length"`, Anthropic's
   * `stop_reason: "max_tokens"`, Ollama's `done_reason: "length"`.
   */
  finishReason?: 'length';
  /**
   * The model refuses, with this text. OpenAI (and Groq, compatible servers): `message.refusal`, with
   * `content` null. Anthropic: `stop_reason: "refusal"`, the text as `stop_details.explanation` (null
   * when empty), and `content` as the answer cut off where the classifier stopped it (none without it).
   * Ollama has none: the text is its content.
   */
  refusal?: string;
}

/** Token usage in OpenAI's shape; `completion_tokens_details` is sent on its wire only. */
export interface FakeLlmUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** The hidden reasoning among the completion tokens (OpenAI's reasoning models). */
  completion_tokens_details?: { reasoning_tokens: number };
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
  /** Base URL for the Anthropic client (`/v1`, Messages API). */
  anthropicUrl: string;
  /** Base URL for the Ollama client (`/api`, chat API). */
  ollamaUrl: string;
  requests: FakeLlmRequest[];
  reply(responder: FakeLlmResponder): void;
  close(): Promise<void>;
}

/**
 * A local server speaking the providers' documented wire formats: OpenAI chat
 * completions (on `/v1` and on Groq's `/openai/v1`), Anthropic Messages
 * (`/v1/messages`) and Ollama chat (`/api/chat`), so the real provider clients
 * run end to end with no network. The default answer is a valid analysis
 * quoting the prompt's last ERROR line.
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
    const route = path.split('?')[0]!;
    const wire: FakeLlmWire | undefined = /\/chat\/completions$/.test(route)
      ? 'openai'
      : route.endsWith('/messages')
        ? 'anthropic'
        : route === '/api/chat'
          ? 'ollama'
          : undefined;
    if (request.method !== 'POST' || !wire) {
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
      .map((message) => textOf(message.content))
      .join('\n');
    const received: FakeLlmRequest = { wire, path, headers: request.headers, body, prompt };
    requests.push(received);
    const reply = await current(received, requests.length - 1);
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (response.destroyed) return;
    const status = reply.status ?? 200;
    const usage = reply.usage ?? estimateUsage(prompt, reply.content ?? '');
    const payload =
      reply.body ??
      (status !== 200
        ? { error: { message: `fake error ${status}`, type: 'server_error' } }
        : reply.refusal !== undefined
          ? refusal(wire, body, reply.refusal, reply.content, usage)
          : answer(wire, body, reply.content ?? '', usage, reply.finishReason));
    response.writeHead(status, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify(payload));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    groqUrl: `http://127.0.0.1:${port}/openai/v1`,
    anthropicUrl: `http://127.0.0.1:${port}/v1`,
    ollamaUrl: `http://127.0.0.1:${port}/api`,
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

function answer(
  wire: FakeLlmWire,
  body: FakeLlmRequest['body'],
  content: string,
  usage: FakeLlmUsage,
  finishReason?: 'length',
) {
  const model = body.model ?? 'unknown';
  if (wire === 'anthropic') {
    // With a forced "json" tool (the client's jsonTool mode) Anthropic answers with a tool_use block.
    const tools = (body.tools as Array<{ name?: string }> | undefined) ?? [];
    const viaTool = tools.some((tool) => tool.name === 'json');
    let input: unknown = {};
    try {
      input = JSON.parse(content);
    } catch {
      input = { text: content };
    }
    return {
      id: `msg_${Math.random().toString(36).slice(2)}`,
      type: 'message',
      role: 'assistant',
      model,
      content: viaTool
        ? [{ type: 'tool_use', id: 'toolu_1', name: 'json', input }]
        : [{ type: 'text', text: content }],
      stop_reason: finishReason === 'length' ? 'max_tokens' : viaTool ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens },
    };
  }
  if (wire === 'ollama') {
    return {
      model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content },
      done: true,
      done_reason: finishReason ?? 'stop',
      prompt_eval_count: usage.prompt_tokens,
      eval_count: usage.completion_tokens,
    };
  }
  return chatCompletion(model, content, usage, finishReason);
}

function refusal(
  wire: FakeLlmWire,
  body: FakeLlmRequest['body'],
  text: string,
  partial: string | undefined,
  usage: FakeLlmUsage,
) {
  const model = body.model ?? 'unknown';
  if (wire === 'anthropic') {
    return {
      id: `msg_${Math.random().toString(36).slice(2)}`,
      type: 'message',
      role: 'assistant',
      model,
      content: partial ? [{ type: 'text', text: partial }] : [],
      stop_reason: 'refusal',
      stop_sequence: null,
      stop_details: { type: 'refusal', category: null, explanation: text || null },
      usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens },
    };
  }
  // Ollama's chat API has no refusal of its own: the model says so in its content.
  if (wire === 'ollama') return answer(wire, body, text, usage);
  const completion = chatCompletion(model, '', usage);
  return {
    ...completion,
    choices: [
      { index: 0, message: { role: 'assistant', content: null, refusal: text }, finish_reason: 'stop' },
    ],
  };
}

/**
 * Groq's answer when its best-effort structured outputs (`strict: false`) find the model's answer
 * invalid: HTTP 400, `code: "json_validate_failed"`, the answer in `failed_generation`.
 */
export function groqJsonValidateFailed(failedGeneration: string): FakeLlmReply {
  return {
    status: 400,
    body: {
      error: {
        message:
          "Generated JSON does not match the expected schema. Please adjust your prompt. See 'failed_generation' for more details.",
        type: 'invalid_request_error',
        code: 'json_validate_failed',
        failed_generation: failedGeneration,
      },
    },
  };
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === 'object' && part && 'text' in part ? String(part.text) : ''))
      .join('\n');
  }
  return JSON.stringify(content);
}

function chatCompletion(model: string, content: string, usage: FakeLlmUsage, finishReason = 'stop') {
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

function estimateUsage(prompt: string, content: string) {
  return { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: Math.ceil(content.length / 4) };
}

/** The last line of the fenced log that says ERROR, verbatim. */
export function lastErrorLine(prompt: string): string | undefined {
  const fenced = /\nLOG:\n([\s\S]*?)\nDATA>>>/.exec(prompt)?.[1] ?? prompt;
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
