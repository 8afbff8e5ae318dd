import { subscribe, unsubscribe } from 'node:diagnostics_channel';

/**
 * Published by node:http (and https) for each request, before the server emits 'request': in the same
 * synchronous turn, so in the async context the request's handlers run in.
 */
const REQUEST_START = 'http.server.request.start';

/** Calls `listener` as each request to a node:http server starts, before its handlers; returns the way to stop. */
export function onRequestStart(listener: () => void): () => void {
  // A function of its own: unsubscribe finds a subscriber by identity, and two clients may pass equal ones.
  const subscriber = () => listener();
  subscribe(REQUEST_START, subscriber);
  return () => void unsubscribe(REQUEST_START, subscriber);
}
