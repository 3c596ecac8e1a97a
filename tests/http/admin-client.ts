import { expect } from "vitest";
import { z } from "zod";
import { createWorkspace } from "../../src/core/workspaces.js";
import type { TestParley } from "../helpers/server.js";

/** A small client for the admin API that keeps every response it got, so tests can search them all. */

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  text: string;
  body: T;
}

export interface ApiError {
  error: { code: string; message: string };
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export class AdminClient {
  /** The raw text of every response, in order. */
  readonly received: string[] = [];

  constructor(
    readonly baseUrl: string,
    readonly token: string | undefined,
  ) {}

  async request<T>(
    method: string,
    path: string,
    init: { body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const hasJson = init.body !== undefined;
    const res = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers: {
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        ...(hasJson ? { "Content-Type": "application/json" } : {}),
        ...init.headers,
      },
      body: hasJson ? JSON.stringify(init.body) : init.rawBody,
    });
    const text = await res.text();
    this.received.push(text);
    return {
      status: res.status,
      headers: res.headers,
      text,
      body: (text ? JSON.parse(text) : undefined) as T,
    };
  }

  get<T>(path: string) {
    return this.request<T>("GET", path);
  }
  post<T>(path: string, body: unknown) {
    return this.request<T>("POST", path, { body });
  }
  put<T>(path: string, body: unknown) {
    return this.request<T>("PUT", path, { body });
  }
  patch<T>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, { body });
  }
  delete(path: string) {
    return this.request<undefined>("DELETE", path);
  }

  /** Creates and fails loudly, so a test's setup never goes on with an error body. */
  async create<T>(path: string, body: unknown): Promise<T> {
    const res = await this.post<T>(path, body);
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${res.text}`);
    return res.body;
  }

  /** Follows `nextCursor` to the end of a list, and returns every item and each page's size. */
  async walk<T>(path: string, limit: number): Promise<{ items: T[]; pageSizes: number[] }> {
    const items: T[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const separator = path.includes("?") ? "&" : "?";
      const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res: ApiResponse<Page<T>> = await this.get<Page<T>>(`${path}${separator}${query}`);
      if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.text}`);
      items.push(...res.body.data);
      pageSizes.push(res.body.data.length);
      cursor = res.body.nextCursor;
      if (pageSizes.length > 100) throw new Error("pagination does not end");
    } while (cursor);
    return { items, pageSizes };
  }
}

/** Asserts the error shape every client mistake gets, and that its message names what was wrong. */
export function expectError(res: ApiResponse<unknown>, status: number, code: string, ...mentions: string[]) {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
  const { message } = (res.body as ApiError).error;
  for (const mention of mentions) expect(message).toContain(mention);
}

/** The body has exactly the documented fields, of the documented types (of its branch, for a union). */
export function expectShape(schema: z.ZodObject | z.ZodDiscriminatedUnion<z.ZodObject[]>, body: unknown) {
  const strict =
    schema instanceof z.ZodObject
      ? schema.strict()
      : z.discriminatedUnion(
          schema.def.discriminator,
          schema.options.map((option) => option.strict()) as [z.ZodObject, ...z.ZodObject[]],
        );
  const parsed = strict.safeParse(body);
  expect(parsed.error?.issues ?? []).toEqual([]);
}

/** A second tenant on the same gateway, with its own token. */
export async function otherWorkspace(
  gateway: TestParley,
): Promise<{ workspaceId: string; api: AdminClient }> {
  const { workspaceId, token } = await createWorkspace(gateway.testDb.database.db, "Other");
  return { workspaceId, api: new AdminClient(gateway.url, token) };
}

export const MISSING_ID = "00000000-0000-4000-8000-000000000000";
