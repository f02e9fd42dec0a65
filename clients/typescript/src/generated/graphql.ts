/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A new written comment (a draft until submitted). */
export type ContributionCreateInput = {
  /**
   * Its documents, in order: uploads of yours (`AttachmentUpload` IDs), at most 10
   * (`CONCORD_ATTACHMENT_MAX_PER_REVISION`).
   */
  attachments?: Array<string | number> | null | undefined;
  /** False: publish it without naming the stakeholder (counted under its group only). */
  attributed?: boolean;
  /** Full text (1 to 1 000 000 characters), kept exactly as sent. */
  body: string;
  /** The consultation; it must be OPEN. */
  consultation: string | number;
  /** True: hold it back until the consultation closes, then publish it automatically. */
  embargoed?: boolean;
  /** Original language, a BCP 47 tag: ar, en, es, fr, ru, zh, or any other. */
  language: string;
  /** The stakeholder it is from; the secretariat must say, others write for their own. */
  stakeholder?: string | number | null | undefined;
  /** Title (1 to 500 characters). */
  title: string;
  /** Who may read it once published (MEMBER_STATES: member states and the secretariat only). */
  visibility?: Visibility;
};

/** How a contribution was made (the columns of the report's table). */
export type ContributionKind =
  /** An informal intervention during a meeting's open discussion. */
  | 'INFORMAL_INTERVENTION'
  /** A presentation by a designated representative at a meeting. */
  | 'PRESENTATION'
  /** A written comment, in any form, sent while the consultation is open. */
  | 'WRITTEN_COMMENT';

/** Where a contribution is in its life. */
export type ContributionStatus =
  /** Being written; seen only by its author's stakeholder and the secretariat. */
  | 'DRAFT'
  /** Published by the secretariat. */
  | 'PUBLISHED'
  /** Sent to the secretariat; its text is frozen. */
  | 'SUBMITTED'
  /** Withdrawn, with a reason. */
  | 'WITHDRAWN';

/** One contribution at the version the caller saw. */
export type ContributionVersionInput = {
  /** The contribution. */
  id: string | number;
  /**
   * Publishing or unpublishing: a note to the contribution's authors (1 to 2000
   * characters), sent with the email that tells them, when email is on.
   */
  reason?: string | null | undefined;
  /** The version you saw (`CONFLICT` when stale). */
  version: number;
};

/** Email and password. */
export type LoginInput = {
  /**
   * For an account with a second factor: the code its authenticator app shows now,
   * or one of its recovery codes (`xxxxx-xxxxx`).
   */
  code?: string | null | undefined;
  /** The account's email (any case). */
  email: string;
  /** The account's password. */
  password: string;
};

/** The role of a signed-in principal. */
export type Role =
  /** A Government of a Member State. */
  | 'MEMBER_STATE'
  /** Permanent observers, international organizations, civil society and the private sector. */
  | 'OBSERVER'
  /** The secretariat that convenes consultations and prepares the report. */
  | 'SECRETARIAT';

/** The four stakeholder groups of the 2010 consultation (the rows of the report's table). */
export type StakeholderGroup =
  /** Civil society organizations, including academia and the technical community. */
  | 'CIVIL_SOCIETY'
  /** Governments of States Members of the United Nations. */
  | 'GOVERNMENT'
  /** Intergovernmental organizations and United Nations system agencies. */
  | 'INTERNATIONAL_ORGANIZATION'
  /** Business entities and their associations. */
  | 'PRIVATE_SECTOR';

/** Where an upload stands. */
export type UploadState =
  /** Asked for; its bytes are awaited at `uploadUrl`. */
  | 'PENDING'
  /** Stored: it can be attached (by its ID in a contribution's `attachments`). */
  | 'READY';

/** What kind of input problem. */
export type UserErrorCode =
  /** The value is malformed or out of range. */
  | 'INVALID'
  /** The change is not allowed in the record's current state. */
  | 'NOT_ALLOWED'
  /** A referenced record does not exist. */
  | 'NOT_FOUND'
  /** The uploader's storage quota would be exceeded. */
  | 'QUOTA_EXCEEDED'
  /** The value must be unique and is already taken. */
  | 'TAKEN'
  /** A document is larger than allowed, or a revision has too many. */
  | 'TOO_LARGE'
  /** A document's content is not of a type accepted (or not what its name says). */
  | 'UNSUPPORTED_TYPE';

/** Who may read a contribution once it is published. */
export type Visibility =
  /** Member States and the secretariat (intergovernmental deliberation, report §21, §33). */
  | 'MEMBER_STATES'
  /** Everyone, signed in or not. */
  | 'PUBLIC'
  /** The secretariat only. */
  | 'SECRETARIAT';

export type ContributionsPageQueryVariables = Exact<{
  consultation: string | number;
  first: number;
  after?: string | null | undefined;
}>;


export type ContributionsPageQuery = { contributions: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, title: string, kind: ContributionKind, publishedAt: string | null, stakeholder: { name: string, group: StakeholderGroup } | null }> } };

export type LoginMutationVariables = Exact<{
  input: LoginInput;
}>;


export type LoginMutation = { login: { accessToken: string, accessTokenExpiresAt: string, refreshToken: string, account: { id: string, email: string, role: Role } } };

export type StatisticsQueryVariables = Exact<{ [key: string]: never; }>;


export type StatisticsQuery = { consultations: { nodes: Array<{ id: string, title: string, statistics: { total: number, byKind: Array<{ kind: ContributionKind, count: number }>, byGroup: Array<{ group: StakeholderGroup, total: number, byKind: Array<{ kind: ContributionKind, count: number }> }> } }> } };

export type CreateContributionMutationVariables = Exact<{
  input: ContributionCreateInput;
}>;


export type CreateContributionMutation = { contributionCreate: { contribution: { id: string, version: number, status: ContributionStatus, attachments: Array<{ name: string, contentType: string, sha256: string, url: string }> } | null, userErrors: Array<{ field: Array<string>, message: string, code: UserErrorCode }> } };

export type SubmitContributionMutationVariables = Exact<{
  input: ContributionVersionInput;
}>;


export type SubmitContributionMutation = { contributionSubmit: { contribution: { id: string, status: ContributionStatus, submittedAt: string | null } | null, receipt: { contentHash: string, serverTime: string } | null, userErrors: Array<{ field: Array<string>, message: string, code: UserErrorCode }> } };

export type UploadDocumentMutationVariables = Exact<{
  file: Blob;
  name?: string | null | undefined;
}>;


export type UploadDocumentMutation = { attachmentUpload: { upload: { id: string, state: UploadState, name: string, contentType: string | null, size: number, sha256: string | null } | null, userErrors: Array<{ field: Array<string>, message: string, code: UserErrorCode }> } };


export const ContributionsPageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ContributionsPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"consultation"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contributions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"consultation"},"value":{"kind":"Variable","name":{"kind":"Name","value":"consultation"}}}]}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"stakeholder"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"group"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ContributionsPageQuery, ContributionsPageQueryVariables>;
export const LoginDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Login"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LoginInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}}]}}]}}]} as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const StatisticsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Statistics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consultations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"1"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"title"}},{"kind":"Field","name":{"kind":"Name","value":"statistics"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"byKind"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}},{"kind":"Field","name":{"kind":"Name","value":"byGroup"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"group"}},{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"byKind"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<StatisticsQuery, StatisticsQueryVariables>;
export const CreateContributionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateContribution"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ContributionCreateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contributionCreate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contribution"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"attachments"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}},{"kind":"Field","name":{"kind":"Name","value":"url"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<CreateContributionMutation, CreateContributionMutationVariables>;
export const SubmitContributionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SubmitContribution"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ContributionVersionInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contributionSubmit"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contribution"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"submittedAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"receipt"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"contentHash"}},{"kind":"Field","name":{"kind":"Name","value":"serverTime"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<SubmitContributionMutation, SubmitContributionMutationVariables>;
export const UploadDocumentDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"UploadDocument"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"file"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Upload"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"attachmentUpload"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"file"},"value":{"kind":"Variable","name":{"kind":"Name","value":"file"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"upload"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"sha256"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<UploadDocumentMutation, UploadDocumentMutationVariables>;