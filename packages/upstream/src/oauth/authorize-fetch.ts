/** The fetch signature the SDK's HTTP client transports take. */
type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Adds the headers `authorize` computes (the gateway's access token for this upstream, refreshed
 * by its source when due) to every HTTP request the transport makes to this upstream. Computed per
 * request, so a refreshed token is used at once; a failure to obtain one fails that request with
 * the source's error, which names the upstream and never the secret.
 */
export function authorizingFetch(
  base: Fetch,
  authorize: () => Promise<Readonly<Record<string, string>>>,
): Fetch {
  return async (url, init) => {
    const headers = new Headers(init?.headers);
    for (const [k, v] of Object.entries(await authorize())) headers.set(k, v);
    return base(url, { ...init, headers });
  };
}
