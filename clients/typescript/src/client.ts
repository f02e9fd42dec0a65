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
      accept: 'application/graphql-response+json, application/json',
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const operations = { query: print(document), variables: variables ?? {} };
    const files = extractFiles(operations.variables, 'variables');
    let payload: string | FormData;
    if (files.length === 0) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(operations);
    } else {
      // The GraphQL multipart request (fetch sets the boundary).
      const form = new FormData();
      payload = form;
      form.append('operations', JSON.stringify(operations));
      form.append('map', JSON.stringify(Object.fromEntries(files.map(([path], i) => [String(i), [path]]))));
      files.forEach(([, file], i) => {
        const name = typeof File !== 'undefined' && file instanceof File ? file.name : 'upload';
        form.append(String(i), file, name);
      });
    }
    const response = await fetch(this.endpoint, { method: 'POST', headers, body: payload });
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

/**
 * Takes every Blob (or File) out of `value`, in place, leaving `null` where it was, as
 * the GraphQL multipart request spec has it; returns each with its path.
 */
function extractFiles(value: unknown, path: string): [string, Blob][] {
  const found: [string, Blob][] = [];
  const walk = (node: unknown, at: string, put: (v: null) => void): void => {
    if (typeof Blob !== 'undefined' && node instanceof Blob) {
      found.push([at, node]);
      put(null);
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => walk(item, `${at}.${i}`, (v) => (node[i] = v)));
    } else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        walk(record[key], `${at}.${key}`, (v) => (record[key] = v));
      }
    }
  };
  walk(value, path, () => {});
  return found;
}
