// Runs the client's operations against a live server (the Rust test
// `typescript_client::the_generated_client_runs_against_a_live_server` starts it):
//   node dist/smoke.js URL EMAIL PASSWORD CONSULTATION_ID
// and prints what it saw as one JSON object.
import { ConcordClient, ConcordError } from './client.js';
import type { ContributionsPageQuery } from './generated/graphql.js';
import {
  ContributionsPageDocument,
  CreateContributionDocument,
  LoginDocument,
  StatisticsDocument,
  SubmitContributionDocument,
  UploadDocumentDocument,
} from './generated/graphql.js';

const [url, email, password, openConsultation] = process.argv.slice(2);
if (!url || !email || !password || !openConsultation) {
  throw new Error('usage: node dist/smoke.js URL EMAIL PASSWORD CONSULTATION_ID');
}
const client = new ConcordClient(url);

// The report's table.
const stats = await client.request(StatisticsDocument);
const consultation = stats.consultations.nodes[0];
if (!consultation) throw new Error('no consultation');
const total = consultation.statistics.total;
const byGroup = Object.fromEntries(consultation.statistics.byGroup.map((g) => [g.group, g.total]));

// Every published contribution, page by page.
let after: string | null = null;
const titles: string[] = [];
let pages = 0;
for (;;) {
  const page: ContributionsPageQuery = await client.request(ContributionsPageDocument, {
    consultation: consultation.id,
    first: 25,
    after,
  });
  pages += 1;
  titles.push(...page.contributions.nodes.map((c) => c.title));
  if (!page.contributions.pageInfo.hasNextPage) break;
  after = page.contributions.pageInfo.endCursor ?? null;
}

// Sign in, write a draft, submit it.
const session = await client.request(LoginDocument, { input: { email, password } });
client.signIn(session.login.accessToken);
// A document uploaded (the multipart request), then attached.
const uploaded = await client.request(UploadDocumentDocument, {
  file: new Blob(['An annex sent by the typed client.\n'], { type: 'text/plain' }),
  name: 'annex.txt',
});
const upload = uploaded.attachmentUpload.upload;
if (!upload) throw new Error(JSON.stringify(uploaded.attachmentUpload.userErrors));
const created = await client.request(CreateContributionDocument, {
  input: {
    consultation: openConsultation,
    title: 'Written from TypeScript',
    body: 'A comment sent by the typed client.',
    language: 'en',
    attachments: [upload.id],
  },
});
const draft = created.contributionCreate.contribution;
if (!draft) throw new Error(JSON.stringify(created.contributionCreate.userErrors));
const submitted = await client.request(SubmitContributionDocument, {
  input: { id: draft.id, version: draft.version },
});

// A refusal arrives as a typed error with its code.
let refusal: string | undefined;
client.signIn('not-a-token');
try {
  await client.request(StatisticsDocument);
} catch (error) {
  if (error instanceof ConcordError) refusal = error.code;
}

console.log(
  JSON.stringify({
    total,
    byGroup,
    pages,
    listed: titles.length,
    role: session.login.account.role,
    draftStatus: draft.status,
    submittedStatus: submitted.contributionSubmit.contribution?.status ?? null,
    receipt: submitted.contributionSubmit.receipt?.contentHash ?? null,
    attached: draft.attachments.map((a) => ({ name: a.name, type: a.contentType, sha256: a.sha256 })),
    refusal: refusal ?? null,
  }),
);
