import type { CatalogKind } from './catalog.js';

export type MethodEra = 'legacy' | 'modern';

/** What the gateway knows of one MCP method; every package asks this table instead of keeping a list. */
export interface McpMethod {
  readonly method: string;
  readonly kind: 'request' | 'notification';
  /** Who sends it: the client, an upstream, or either. */
  readonly from: 'client' | 'upstream' | 'either';
  /**
   * Who answers a request: the face (the SDK's protocol mechanics), the gateway itself (lists,
   * logging level), the upstream (forwarded through the chain), or the client (an upstream's ask).
   */
  readonly answeredBy?: 'face' | 'gateway' | 'upstream' | 'client';
  readonly shape: 'lifecycle' | 'call' | 'list' | 'subscription' | 'ask' | 'notification' | 'setting';
  /** The target a call names (routed by the router). */
  readonly target?: 'tool' | 'prompt' | 'resource' | 'completion';
  readonly eras: readonly MethodEra[];
  /** A list the gateway answers from its catalog: which catalog kind, under which result key. */
  readonly list?: { readonly kind: CatalogKind; readonly key: string };
  /** A list_changed notification: which catalog lists changed. */
  readonly listChanged?: 'tools' | 'prompts' | 'resources';
  /** Its result carries upstream data the masking step masks. */
  readonly maskedResult?: boolean;
  /** Its params carry `arguments` (policy input, approval binding, masked audit copy). */
  readonly arguments?: boolean;
  /** A modern (2026-07-28) result may be `input_required` (multi-round-trip). */
  readonly multiRound?: boolean;
  /** An upstream's ask of the client: the capability the client must have declared. */
  readonly capability?: 'sampling' | 'elicitation' | 'roots';
  /** Not relayed, on purpose: why. */
  readonly refused?: string;
}

const BOTH: readonly MethodEra[] = ['legacy', 'modern'];
const LEGACY: readonly MethodEra[] = ['legacy'];
const MODERN: readonly MethodEra[] = ['modern'];

const TASKS =
  'tasks are experimental; the gateway does not relay them (no record-before-execute for deferred work yet)';

/** Every MCP method the gateway knows, relayed or refused on purpose. A test checks it against the SDK. */
export const MCP_METHODS: readonly McpMethod[] = [
  // Lifecycle: the face (the SDK) answers these; they never reach the chain.
  {
    method: 'initialize',
    kind: 'request',
    from: 'client',
    answeredBy: 'face',
    shape: 'lifecycle',
    eras: LEGACY,
  },
  {
    method: 'notifications/initialized',
    kind: 'notification',
    from: 'client',
    shape: 'lifecycle',
    eras: LEGACY,
  },
  { method: 'ping', kind: 'request', from: 'either', answeredBy: 'face', shape: 'lifecycle', eras: BOTH },
  {
    method: 'server/discover',
    kind: 'request',
    from: 'client',
    answeredBy: 'face',
    shape: 'lifecycle',
    eras: MODERN,
  },
  {
    method: 'subscriptions/listen',
    kind: 'request',
    from: 'client',
    answeredBy: 'face',
    shape: 'subscription',
    eras: MODERN,
  },
  {
    method: 'notifications/subscriptions/acknowledged',
    kind: 'notification',
    from: 'either',
    shape: 'subscription',
    eras: MODERN,
  },
  // Lists: answered by the gateway from its merged catalog (filtered by visibility).
  {
    method: 'tools/list',
    kind: 'request',
    from: 'client',
    answeredBy: 'gateway',
    shape: 'list',
    eras: BOTH,
    list: { kind: 'tools', key: 'tools' },
  },
  {
    method: 'prompts/list',
    kind: 'request',
    from: 'client',
    answeredBy: 'gateway',
    shape: 'list',
    eras: BOTH,
    list: { kind: 'prompts', key: 'prompts' },
  },
  {
    method: 'resources/list',
    kind: 'request',
    from: 'client',
    answeredBy: 'gateway',
    shape: 'list',
    eras: BOTH,
    list: { kind: 'resources', key: 'resources' },
  },
  {
    method: 'resources/templates/list',
    kind: 'request',
    from: 'client',
    answeredBy: 'gateway',
    shape: 'list',
    eras: BOTH,
    list: { kind: 'resourceTemplates', key: 'resourceTemplates' },
  },
  // Calls: routed to an upstream through the whole chain.
  {
    method: 'tools/call',
    kind: 'request',
    from: 'client',
    answeredBy: 'upstream',
    shape: 'call',
    target: 'tool',
    eras: BOTH,
    maskedResult: true,
    arguments: true,
    multiRound: true,
  },
  {
    method: 'prompts/get',
    kind: 'request',
    from: 'client',
    answeredBy: 'upstream',
    shape: 'call',
    target: 'prompt',
    eras: BOTH,
    maskedResult: true,
    arguments: true,
    multiRound: true,
  },
  {
    method: 'resources/read',
    kind: 'request',
    from: 'client',
    answeredBy: 'upstream',
    shape: 'call',
    target: 'resource',
    eras: BOTH,
    maskedResult: true,
    multiRound: true,
  },
  {
    method: 'completion/complete',
    kind: 'request',
    from: 'client',
    answeredBy: 'upstream',
    shape: 'call',
    target: 'completion',
    eras: BOTH,
  },
  {
    method: 'resources/subscribe',
    kind: 'request',
    from: 'client',
    answeredBy: 'upstream',
    shape: 'subscription',
    target: 'resource',
    eras: LEGACY,
  },
  {
    method: 'resources/unsubscribe',
    kind: 'request',
    from: 'client',
    answeredBy: 'upstream',
    shape: 'subscription',
    target: 'resource',
    eras: LEGACY,
  },
  {
    method: 'logging/setLevel',
    kind: 'request',
    from: 'client',
    answeredBy: 'gateway',
    shape: 'setting',
    eras: LEGACY,
  },
  // An upstream's asks of the client (legacy requests; modern asks inside input_required).
  {
    method: 'sampling/createMessage',
    kind: 'request',
    from: 'upstream',
    answeredBy: 'client',
    shape: 'ask',
    eras: BOTH,
    capability: 'sampling',
  },
  {
    method: 'elicitation/create',
    kind: 'request',
    from: 'upstream',
    answeredBy: 'client',
    shape: 'ask',
    eras: BOTH,
    capability: 'elicitation',
  },
  {
    method: 'roots/list',
    kind: 'request',
    from: 'upstream',
    answeredBy: 'client',
    shape: 'ask',
    eras: BOTH,
    capability: 'roots',
  },
  // Notifications (the chain's upstream side, or the client's cancellation).
  {
    method: 'notifications/cancelled',
    kind: 'notification',
    from: 'either',
    shape: 'notification',
    eras: BOTH,
  },
  {
    method: 'notifications/progress',
    kind: 'notification',
    from: 'either',
    shape: 'notification',
    eras: BOTH,
  },
  {
    method: 'notifications/message',
    kind: 'notification',
    from: 'upstream',
    shape: 'notification',
    eras: BOTH,
  },
  {
    method: 'notifications/resources/updated',
    kind: 'notification',
    from: 'upstream',
    shape: 'notification',
    eras: BOTH,
  },
  {
    method: 'notifications/tools/list_changed',
    kind: 'notification',
    from: 'upstream',
    shape: 'notification',
    eras: BOTH,
    listChanged: 'tools',
  },
  {
    method: 'notifications/prompts/list_changed',
    kind: 'notification',
    from: 'upstream',
    shape: 'notification',
    eras: BOTH,
    listChanged: 'prompts',
  },
  {
    method: 'notifications/resources/list_changed',
    kind: 'notification',
    from: 'upstream',
    shape: 'notification',
    eras: BOTH,
    listChanged: 'resources',
  },
  // Refused on purpose.
  {
    method: 'notifications/roots/list_changed',
    kind: 'notification',
    from: 'client',
    shape: 'notification',
    eras: LEGACY,
    refused: 'roots are asked per call and answered through the chain; a change is not pushed upstream',
  },
  {
    method: 'notifications/elicitation/complete',
    kind: 'notification',
    from: 'upstream',
    shape: 'notification',
    eras: LEGACY,
    refused: 'URL-mode elicitation is not relayed',
  },
  { method: 'tasks/get', kind: 'request', from: 'either', shape: 'call', eras: BOTH, refused: TASKS },
  { method: 'tasks/result', kind: 'request', from: 'either', shape: 'call', eras: BOTH, refused: TASKS },
  { method: 'tasks/list', kind: 'request', from: 'either', shape: 'list', eras: BOTH, refused: TASKS },
  { method: 'tasks/cancel', kind: 'request', from: 'either', shape: 'call', eras: BOTH, refused: TASKS },
  {
    method: 'notifications/tasks/status',
    kind: 'notification',
    from: 'either',
    shape: 'notification',
    eras: BOTH,
    refused: TASKS,
  },
];

const BY_NAME = new Map(MCP_METHODS.map((m) => [m.method, m]));

export function mcpMethod(method: string): McpMethod | undefined {
  return BY_NAME.get(method);
}

/** Methods matching a predicate, in table order. */
export function methodsWhere(pred: (m: McpMethod) => boolean): string[] {
  return MCP_METHODS.filter(pred).map((m) => m.method);
}

/** Client requests the chain handles (the gateway or an upstream answers them). */
export const RELAYED_METHODS: readonly string[] = methodsWhere(
  (m) =>
    m.kind === 'request' &&
    m.from === 'client' &&
    !m.refused &&
    (m.answeredBy === 'gateway' || m.answeredBy === 'upstream'),
);
