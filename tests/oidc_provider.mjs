// A real OpenID Connect provider for the sign-in tests: the certified npm package
// `oidc-provider`, with a minimal login page instead of its devInteractions.
//
// Configuration comes from one JSON file named in argv[2]:
//   { "module": ".../node_modules/oidc-provider/lib/index.js", "issuer": "http://127.0.0.1:PORT",
//     "port": PORT, "client": {client_id, client_secret, redirect_uris},
//     "keys": [private JWKs, the first signs], "accounts": {"name": {claims}},
//     "claimsInUserinfo": false }
// The test restarts this script with the keys in another order to rotate the signing key.
//
// Login: GET /interaction/:uid shows a form with one field, the account name; POST it and the
// provider finishes the login and grants every scope the client asked for (no consent page).
// It prints "ready" on stdout once it listens.

import http from 'node:http';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { default: Provider } = await import(pathToFileURL(config.module).href);

const provider = new Provider(config.issuer, {
  clients: [{
    ...config.client,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: config.keys },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    membership: ['membership_number'],
  },
  scopes: ['openid', 'email', 'membership'],
  features: { devInteractions: { enabled: false } },
  // false: the scopes' claims in the ID token, as Keycloak, Entra and Google do; true (the
  // config's "claimsInUserinfo"): only at the UserInfo endpoint, as Core §5.4 has it
  conformIdTokenClaims: Boolean(config.claimsInUserinfo),
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['plenary-test-provider-cookie-key'] },
  findAccount: async (ctx, id) => {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
});

function page(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html lang="en"><head><title>Test provider</title></head><body>${html}</body></html>`);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    return page(res, 200, `<h1>Test provider: sign in</h1>
<form method="post" action="/interaction/${details.uid}">
<label for="account">Account</label> <input id="account" name="account">
<button type="submit">Sign in to the provider</button></form>`);
  }
  let body = '';
  for await (const chunk of req) body += chunk;
  const account = new URLSearchParams(body).get('account') || '';
  if (!config.accounts[account]) return page(res, 400, '<p>No such account.</p>');
  const grant = new provider.Grant({ accountId: account, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, {
    login: { accountId: account },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => page(res, 500, `<p>${String(err.message)}</p>`));
  } else {
    callback(req, res);
  }
});
server.listen(config.port, '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
