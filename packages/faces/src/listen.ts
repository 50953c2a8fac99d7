/**
 * `subscriptions/listen` (2026-07-28): how a modern client asks to hear about changes. Both faces
 * look at the request as it passes, to subscribe the resources it names upstream on the client's
 * behalf.
 */
interface ListenShape {
  method?: unknown;
  id?: unknown;
  params?: { notifications?: { resourceSubscriptions?: unknown } };
}

export function isListenRequest(message: unknown): boolean {
  const m = message as ListenShape | null;
  return m?.method === 'subscriptions/listen' && m.id !== undefined;
}

/** The resource URIs a `subscriptions/listen` request asks to follow, if it is one and names any. */
export function listenedResources(message: unknown): string[] | undefined {
  if (!isListenRequest(message)) return undefined;
  const uris = (message as ListenShape).params?.notifications?.resourceSubscriptions;
  if (!Array.isArray(uris)) return undefined;
  const strings = uris.filter((u): u is string => typeof u === 'string' && u.length > 0);
  return strings.length > 0 ? strings : undefined;
}
