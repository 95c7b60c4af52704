import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createRoot } from 'react-dom/client';
import { loadMonacoWorkersFrom } from './monaco-workers';

const STARTER_QUERY = `# Sidedoor's GraphiQL. Ctrl-Enter runs the operation
# under the cursor; ▶ lets you pick one.
#
# 1. Run LogIn with your email and password.
# 2. Open "Headers" below and paste the token:
#      { "Authorization": "Bearer <token>" }
#    It goes with every query and mutation, and in the
#    websocket's connection_init for subscriptions.
# 3. Run Me.

mutation LogIn {
  logIn(input: { email: "you@example.test", password: "" }) {
    token
  }
}

query Me {
  viewer {
    name
    isGuest
  }
}
`;

/** The API's websocket URL: same host and path as the page, ws: or wss: like the page's scheme. */
function websocketUrl(page: Location): string {
  const url = new URL('/graphql', page.href);
  url.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

loadMonacoWorkersFrom(new URL('/graphiql/', location.href));

// With subscriptionUrl, the toolkit opens a graphql-ws connection per subscription whose
// connectionParams are the header editor's headers: {"Authorization": "Bearer …"} there
// authenticates HTTP requests and websocket subscriptions alike.
const fetcher = createGraphiQLFetcher({
  url: new URL('/graphql', location.href).href,
  subscriptionUrl: websocketUrl(location),
  // Sidedoor has no @defer or @stream: plain JSON responses, no multipart/mixed.
  enableIncrementalDelivery: false,
});

// Tabs and history live in sessionStorage: they survive a reload and go with the tab. In localStorage,
// the history would keep every request's headers (the bearer token) and any password typed into logIn.
createRoot(document.getElementById('graphiql')!).render(<GraphiQL fetcher={fetcher} storage={sessionStorage} defaultQuery={STARTER_QUERY} />);
