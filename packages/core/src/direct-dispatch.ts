import { plain, plainError, plainNotification, plainRequest, plainResult } from './jsonrpc-shape.js';

/** A transport as the MCP SDK's Protocol sees it: one inbound handler, assigned on connect. */
interface InboundPort {
  onmessage?: ((message: never, extra?: never) => void) | undefined;
}

/**
 * The SDK Protocol's inbound dispatch methods: private in its types, documented there as the
 * override points for inbound requests, notifications and responses.
 */
interface InboundDispatch {
  _onrequest(message: unknown, extra?: unknown): void;
  _onnotification(message: unknown, extra?: unknown): void;
  _onresponse(message: unknown): void;
}

/**
 * Call right after the SDK's `protocol.connect(transport)`, on a transport whose `onmessage` is
 * a plain field. The SDK's dispatcher classifies every inbound message with up to four zod schema
 * parses (is it a result? an error? a request?) before it calls `_onrequest`, `_onnotification`
 * or `_onresponse` — about 15 µs per call on the gateway's two hops, only to learn what a glance
 * at the message says. A message whose shape is certain (the plain* checks give the schema's own
 * answer) goes straight to the same method; anything unusual still takes the SDK's path. Should a
 * future SDK rename those methods, nothing is bypassed (a test pins them on the pinned SDK).
 */
export function dispatchDirectly(protocol: object, transport: InboundPort): boolean {
  const viaSdk = transport.onmessage as ((message: unknown, extra?: unknown) => void) | undefined;
  const p = protocol as Partial<InboundDispatch>;
  if (
    !viaSdk ||
    typeof p._onrequest !== 'function' ||
    typeof p._onnotification !== 'function' ||
    typeof p._onresponse !== 'function'
  )
    return false;
  const onRequest = p._onrequest.bind(protocol);
  const onNotification = p._onnotification.bind(protocol);
  const onResponse = p._onresponse.bind(protocol);
  const direct = (message: unknown, extra?: unknown): void => {
    if (plain(message)) {
      if (plainRequest(message)) return onRequest(message, extra);
      if (plainResult(message) || plainError(message)) return onResponse(message);
      if (plainNotification(message)) return onNotification(message, extra);
    }
    viaSdk(message, extra);
  };
  transport.onmessage = direct;
  return true;
}
