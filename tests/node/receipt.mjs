// Verifies Concord's signed receipts as a stakeholder (or anyone it shows them to)
// would: with a standard JOSE library (jose) and the keys the server publishes.
// Usage: node receipt.mjs BASE_URL RECEIPT [RECEIPT ...]; prints one JSON line.
import { createLocalJWKSet, jwtVerify } from 'jose';

const [, , base, ...receipts] = process.argv;
const jwks = await (await fetch(`${base}/.well-known/jwks.json`)).json();
const keys = createLocalJWKSet(jwks);
const results = [];
for (const receipt of receipts) {
  try {
    const { payload, protectedHeader } = await jwtVerify(receipt, keys, {
      issuer: 'concord',
      algorithms: ['EdDSA'],
    });
    results.push({ ok: true, kid: protectedHeader.kid, payload });
  } catch (e) {
    results.push({ ok: false, error: e.code || String(e) });
  }
}
console.log(JSON.stringify({ keys: jwks.keys.length, results }));
