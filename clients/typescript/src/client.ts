// A small typed client: each operation's variables and result are the types
// graphql-codegen generated from schema.graphql, so a query that does not fit the schema,
// or code that reads a field the query did not ask for, does not compile.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

/** A GraphQL error as Concord sends it: every one has `extensions.code`. */
export interface GraphQLError {
  message: string;
  path?: (string | number)[];
  extensions: { code: string; [key: string]: unknown };
}

/** The request failed: the errors the server sent, or an HTTP status without them. */
export class ConcordError extends Error {
  constructor(
    readonly status: number,
    readonly errors: GraphQLError[],
  ) {
    super(errors.map((e) => `${e.extensions.code}: ${e.message}`).join('; ') || `HTTP ${status}`);
  }

  /** The first error's code (`RATE_LIMITED`, `UNAUTHENTICATED`…). */
  get code(): string | undefined {
    return this.errors[0]?.extensions.code;
  }
}

export class ConcordClient {
  constructor(
    readonly endpoint: string,
    private token?: string,
  ) {}

  /** Sends later requests with this access token (`null`: anonymous). */
  signIn(token: string | null): void {
    this.token = token ?? undefined;
  }

  /** Runs one operation; resolves to its `data`, rejects with a ConcordError. */
  async request<TResult, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] : [TVariables]
  ): Promise<TResult> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      data?: TResult | null;
      errors?: GraphQLError[];
    };
    if (body.errors?.length || body.data == null) {
      throw new ConcordError(response.status, body.errors ?? []);
    }
    return body.data;
  }
}
