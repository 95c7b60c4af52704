import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { OperationTypeNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
// Written by `npm run schema` next to schema.graphql.
import { possibleTypes } from '../../../possible-types.json';

/**
 * Apollo Client 4 set up for Sidedoor, as the README's "Using Sidedoor from
 * a web app" shows it: one link for queries and mutations over HTTP, one for
 * subscriptions over graphql-ws, the token read at each request and each
 * (re)connection, `possibleTypes` so fragments on interfaces match, and
 * Relay pagination both ways for the lists that grow.
 */
export function createSidedoorClient(options: { httpUrl: string; wsUrl: string; token: () => string | null }): { client: ApolloClient; ws: Client } {
  const auth = (): Record<string, string> => {
    const token = options.token();
    return token ? { authorization: `Bearer ${token}` } : {};
  };

  const http = new SetContextLink(({ headers }) => ({ headers: { ...headers, ...auth() } })).concat(new HttpLink({ uri: options.httpUrl }));
  const ws = createClient({
    url: options.wsUrl,
    // Called at every (re)connection, so a new token is used after a log-in.
    connectionParams: () => auth(),
    // Keep reconnecting after a dropped socket (the default gives up after 5 tries).
    retryAttempts: Infinity,
    shouldRetry: () => true,
  });

  const link = ApolloLink.split(({ operationType }) => operationType === OperationTypeNode.SUBSCRIPTION, new GraphQLWsLink(ws), http);

  const cache = new InMemoryCache({
    possibleTypes,
    typePolicies: {
      Conversation: {
        fields: {
          // `first`/`after` append, `last`/`before` prepend: one list per conversation.
          comments: relayStylePagination(),
          messages: relayStylePagination(),
        },
      },
    },
  });

  return { client: new ApolloClient({ link, cache }), ws };
}
