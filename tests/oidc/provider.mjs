// A real OpenID Connect provider for the tests: the certified `oidc-provider` package (npm),
// with a login page of its own and the test accounts it is given. Started and stopped by
// tests/fixtures_oidc.py; never used outside the tests.
//
//   node tests/oidc/provider.mjs      (configuration from the environment)
//
// OIDC_TEST_PORT      the port on 127.0.0.1 to listen on
// OIDC_TEST_CLIENT    JSON {"client_id": ..., "client_secret": ...}
// OIDC_TEST_ACCOUNTS  JSON {"<login>": {"password": ..., "acr": ..., "claims": {"sub": ..., ...}}}
// OIDC_TEST_ACR       JSON list of the acr values the provider supports
//
// The login page (/interaction/<uid>) takes a login and a password; the account's `acr` is the
// assurance level of that login, as an e-legitimation's would be. Consent is implied (the
// client is the organisation's own). Redirect URIs on the loopback address or the Django test
// client's host (http://testserver) are accepted, since the test server's port is not known
// in advance.

import http from "node:http";
import { randomBytes } from "node:crypto";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_TEST_PORT);
const issuer = `http://127.0.0.1:${port}`;
const client = JSON.parse(process.env.OIDC_TEST_CLIENT);
const accounts = JSON.parse(process.env.OIDC_TEST_ACCOUNTS);
const acrValues = JSON.parse(process.env.OIDC_TEST_ACR || "[]");

const bySub = new Map(Object.values(accounts).map((account) => [account.claims.sub, account]));

const configuration = {
  clients: [
    {
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: ["http://127.0.0.1/oidc/callback/"],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
      require_auth_time: true,
    },
  ],
  acrValues,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name"],
  },
  conformIdTokenClaims: false, // the scope's claims in the ID token itself, as e-ID brokers do
  cookies: { keys: [randomBytes(32).toString("hex")] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = bySub.get(sub);
    if (!account) return undefined;
    return { accountId: sub, claims: async () => ({ ...account.claims }) };
  },
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const existing = await ctx.oidc.provider.Grant.find(grantId);
      if (existing) return existing;
    }
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    grant.addOIDCClaims(["acr", "auth_time"]);
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
const testRedirect = /^http:\/\/(127\.0\.0\.1(:\d+)?|localhost(:\d+)?|testserver)\//;
provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
  return testRedirect.test(value);
};

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, message) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP</title></head>
<body><main><h1>Test identity provider</h1>
${message ? `<p role="alert" id="idp-error">${escape(message)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Login</label> <input id="login" name="login" autocomplete="off">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit" id="idp-submit">Log in</button>
</form></main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error("interaction mismatch");
  if (req.method === "GET") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(loginPage(uid, ""));
    return;
  }
  const form = await readForm(req);
  const account = accounts[form.get("login")];
  if (!account || account.password !== form.get("password")) {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(loginPage(uid, "Wrong login or password."));
    return;
  }
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: account.claims.sub, acr: account.acr, amr: ["pwd"], remember: false } },
    { mergeWithLastSubmission: false },
  );
}

const handler = provider.callback();
http
  .createServer((req, res) => {
    const match = /^\/interaction\/([\w-]+)$/.exec(new URL(req.url, issuer).pathname);
    if (!match) return handler(req, res);
    interaction(req, res, match[1]).catch((error) => {
      res.writeHead(400, { "content-type": "text/plain" });
      res.end(String(error));
    });
  })
  .listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on ${issuer}`));
