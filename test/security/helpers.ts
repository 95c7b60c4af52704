import { Writable } from 'node:stream';
import { PASSWORD } from '../support/factories';
import type { GraphQLResponse, TestServer } from '../support/server';

/** A raw HTTP request to the server: what a browser or an attacker could send, without the test client's defaults. */
export async function raw(
  server: TestServer,
  init: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<GraphQLResponse & { headers: Headers; text: string }> {
  const response = await fetch(`${server.url}${init.path ?? '/graphql'}`, {
    method: init.method ?? 'POST',
    headers: init.headers,
    body: init.body,
  });
  const text = await response.text();
  let parsed: Omit<GraphQLResponse, 'status'> = {};
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the tests assert on `text`.
  }
  return { ...parsed, status: response.status, headers: response.headers, text };
}

/** A JSON POST with the headers a real client sends. */
export const jsonHeaders = (token?: string): Record<string, string> => ({
  'content-type': 'application/json',
  accept: 'application/graphql-response+json, application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});

/** How many comments a conversation has, read through the API. */
export async function commentCount(server: TestServer, token: string, conversationId: string): Promise<number> {
  const response = await server.gql(`query ($id: ID!) { conversation(id: $id) { comments { totalCount } } }`, { id: conversationId }, token);
  if (response.errors) throw new Error(`commentCount: ${JSON.stringify(response.errors)}`);
  return response.data.conversation.comments.totalCount;
}

/** Whether an email can log in with the factories' password: how tests check an account was (not) created. */
export async function canLogIn(server: TestServer, email: string): Promise<boolean> {
  const response = await server.gql(`mutation ($input: LogInInput!) { logIn(input: $input) { token } }`, { input: { email, password: PASSWORD } });
  return Boolean(response.data?.logIn?.token);
}

/** Every log line a logger writes, raw and parsed. */
export class LogCapture extends Writable {
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.raw.push(chunk.toString());
    done();
  }
  get lines(): Array<Record<string, unknown>> {
    return this.raw.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }
}
