/** The admin API as the console calls it: same-origin, session cookie, CSRF token on writes. */

export interface Me {
  subject: string;
  name: string | null;
  email: string | null;
  groups: string[];
  roles: { auditor: boolean; admin: boolean };
  csrfToken: string;
  expiresAt: string;
}

/** The API's one error format: `{ "error": { "code", "message" } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['x-csrf-token'] = csrfToken;
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : {};
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } }).error;
    throw new ApiError(res.status, err?.code ?? 'error', err?.message ?? `${res.status} ${res.statusText}`);
  }
  return body as T;
}

export function loginUrl(): string {
  return `/console/auth/login?returnTo=${encodeURIComponent(location.pathname + location.search)}`;
}
