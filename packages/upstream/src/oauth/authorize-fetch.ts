/** The fetch signature the SDK's HTTP client transports take. */
type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

type Authorize = (options?: { readonly renew?: boolean }) => Promise<Readonly<Record<string, string>>>;

/**
 * Adds the headers `authorize` computes (the gateway's access token for this upstream, refreshed
 * by its source when due) to every HTTP request the transport makes to this upstream. Computed per
 * request, so a refreshed token is used at once; a failure to obtain one fails that request with
 * the source's error, which names the upstream and never the secret. A 401 answer (the token was
 * revoked, or the upstream rotated its keys) gets one retry with renewed credentials.
 */
export function authorizingFetch(base: Fetch, authorize: Authorize): Fetch {
  const send = async (url: string | URL, init: RequestInit | undefined, renew: boolean) => {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(await authorize({ renew }))) headers.set(k, v);
    return base(url, { ...init, headers });
  };
  return async (url, init) => {
    const res = await send(url, init, false);
    // Only bodies that can be sent twice (the SDK sends JSON strings) are retried.
    if (res.status !== 401 || (init?.body !== undefined && typeof init.body !== 'string')) return res;
    await res.body?.cancel().catch(() => undefined);
    return send(url, init, true);
  };
}
