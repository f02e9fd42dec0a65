// Apollo Client's persisted-query link against a live Concord: prints, as JSON, what each
// request sent (a query or only a hash, by which method) and what each query answered.
// Usage: node apq.mjs http://127.0.0.1:PORT/graphql
import { createHash } from 'node:crypto';
import { ApolloClient, InMemoryCache, HttpLink, gql } from '@apollo/client/core/index.js';
import { createPersistedQueryLink } from '@apollo/client/link/persisted-queries/index.js';

const uri = process.argv[2];
const sent = [];
async function recordingFetch(url, options) {
  const method = options.method || 'GET';
  let body = {};
  if (method === 'GET') {
    const params = new URL(url).searchParams;
    body = { query: params.get('query'), extensions: params.get('extensions') && JSON.parse(params.get('extensions')) };
  } else {
    body = JSON.parse(options.body);
  }
  const response = await fetch(url, options);
  sent.push({
    method,
    hasQuery: typeof body.query === 'string' && body.query.length > 0,
    hash: body.extensions?.persistedQuery?.sha256Hash ?? null,
    status: response.status,
  });
  return response;
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

function client(useGET) {
  const link = createPersistedQueryLink({ sha256, useGETForHashedQueries: useGET })
    .concat(new HttpLink({ uri, fetch: recordingFetch }));
  return new ApolloClient({ link, cache: new InMemoryCache(), defaultOptions: { query: { fetchPolicy: 'no-cache' } } });
}

const TOTAL = gql`query Total { consultations(first: 1) { nodes { statistics { total } } } }`;
const results = [];
for (const useGET of [false, false, true]) {
  // A fresh client each time: nothing is cached on the client's side.
  const { data } = await client(useGET).query({ query: TOTAL });
  results.push(data.consultations.nodes[0].statistics.total);
}
console.log(JSON.stringify({ sent, results }));
