import { fetchJson, type FetchLike } from '../http.js';
import { OAuthError } from './oauth.js';

export async function postJson(
  fetchImpl: FetchLike,
  url: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetchJson(fetchImpl, url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload),
  });
  if (res.status >= 200 && res.status < 300) return res.body;
  const error = typeof res.body.error === 'string' ? res.body.error : `http_${res.status}`;
  throw new OAuthError(error, `${url} refused the request (${error})`);
}
