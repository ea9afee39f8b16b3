// A real OpenID provider for the tests: npm's `oidc-provider` (a certified implementation),
// run with node by tests/it/sso.rs, which installs the package into target/tmp.
//
// OIDC_TEST_CONFIG (JSON): { clients: [...oidc-provider client metadata],
//                            accounts: { <sub>: { email, email_verified } } }
// Prints "listening <issuer>" once it serves on OIDC_TEST_HOST (default 127.0.0.2: a host of
// its own, for its cookies; a second provider takes another).
//
// Its sign-in page takes the subject and whether a second factor was used (amr). For the
// tests of what Digikoord must refuse, POST /test/fault?next=aud|exp makes the next ID token
// carry another audience or an expiry in the past, signed with the provider's own key.
import http from 'node:http';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const kid = 'test-key';
const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };

let fault = null;
let provider = null;
let handle = null;

const read = (req) => new Promise((resolve, reject) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => resolve(body));
  req.on('error', reject);
});

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="sv"><title>Testleverantören</title>
<form method="post" action="/interaction/${escape(details.uid)}">
<label>Användare <input name="login"></label>
<label><input type="checkbox" name="mfa" value="1"> Med en andra faktor</label>
<button>Logga in</button></form></html>`);
    return;
  }
  const form = new URLSearchParams(await read(req));
  const login = form.get('login') || '';
  if (!Object.hasOwn(config.accounts, login)) {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'no such account',
    });
    return;
  }
  const amr = form.get('mfa') ? ['pwd', 'mfa'] : ['pwd'];
  await provider.interactionFinished(req, res, { login: { accountId: login, amr } },
    { mergeWithLastSubmission: false });
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/test/fault' && req.method === 'POST') {
    fault = new URL(req.url, 'http://x').searchParams.get('next');
    res.end('ok');
    return;
  }
  if (path.startsWith('/interaction/')) {
    interaction(req, res).catch((e) => { res.statusCode = 500; res.end(String(e)); });
    return;
  }
  handle(req, res);
});

const host = process.env.OIDC_TEST_HOST || '127.0.0.2';
server.listen(0, host, () => {
  const issuer = `http://${host}:${server.address().port}`;
  provider = new Provider(issuer, {
    clients: config.clients,
    jwks: { keys: [jwk] },
    cookies: { keys: ['digikoord-test'] },
    conformIdTokenClaims: false,
    claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['name'] },
    features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (ctx, i) => `/interaction/${i.uid}` },
    async findAccount(ctx, sub) {
      const account = config.accounts[sub];
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
    // First-party clients: no consent screen.
    async loadExistingGrant(ctx) {
      const id = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (id) return ctx.oidc.provider.Grant.find(id);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && fault && ctx.body && ctx.body.id_token) {
      const claims = jose.decodeJwt(ctx.body.id_token);
      const now = Math.floor(Date.now() / 1000);
      if (fault === 'aud') claims.aud = 'another-client';
      if (fault === 'exp') { claims.iat = now - 7200; claims.exp = now - 3600; }
      ctx.body.id_token = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid })
        .sign(privateKey);
      fault = null;
    }
  });
  handle = provider.callback();
  console.log(`listening ${issuer}`);
});
