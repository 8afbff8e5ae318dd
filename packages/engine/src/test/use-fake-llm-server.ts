// For test files only (it registers vitest hooks): the one fake LLM server of a file, its requests and
// reply reset before each test.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import {
  type FakeLlmResponder,
  type FakeLlmServer,
  fakeAnalysis,
  startFakeLlmServer,
} from './fake-llm-server.js';

/**
 * Starts a fake LLM server for the file and returns it (its properties read once it has started):
 * before each test its requests are cleared and it answers with `responder` again.
 */
export function useFakeLlmServer(responder: FakeLlmResponder): FakeLlmServer {
  let server: FakeLlmServer | undefined;
  beforeAll(async () => {
    server = await startFakeLlmServer();
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    server!.requests.length = 0;
    server!.reply(responder);
  });
  return new Proxy({} as FakeLlmServer, {
    get(_target, property) {
      if (!server) throw new Error('the fake LLM server is used before it has started (beforeAll)');
      const value = Reflect.get(server, property, server);
      return typeof value === 'function' ? value.bind(server) : value;
    },
  });
}

/**
 * Makes `llm` hold every answer (a valid analysis) until the returned function is called: an analysis
 * left waiting on the LLM, as one is for seconds.
 */
export function holdAnswers(llm: FakeLlmServer): () => void {
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  llm.reply(async () => {
    await released;
    return { content: JSON.stringify(fakeAnalysis({ evidence: ['x'] })) };
  });
  return release;
}
