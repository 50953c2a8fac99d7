export { GatewayError, ERROR_CODES, isGatewayError, toGatewayError } from './errors.js';
export type { GatewayErrorCode } from './errors.js';
export { ANONYMOUS } from './identity.js';
export type { AuthMethod, Identity } from './identity.js';
export type { ClientInfo, Era, SessionInfo } from './session.js';
export { newId, newCorrelationId } from './ids.js';
export { canonicalJson, canonicalHash, sha256Hex } from './canonical.js';
export { newNotes } from './call.js';
export type {
  CallContext,
  CallIO,
  CallTarget,
  Decision,
  JsonObject,
  MaskingEvent,
  Outcome,
  ProgressUpdate,
  StepTiming,
} from './call.js';
export { CONTINUE, reject, runChain } from './chain.js';
export { arrangeChain, CHAIN_ORDER, sidesOf } from './chain-order.js';
export { MCP_METHODS, mcpMethod, methodsWhere, RELAYED_METHODS } from './methods.js';
export { createLogStep } from './log-step.js';
export type { Interceptor, RequestVerdict } from './chain.js';
export { DEFAULT_NAMING } from './naming.js';
export type { NamingOptions } from './naming.js';
export { Catalog, EMPTY_CATALOG } from './catalog.js';
export type { CatalogEntry, CatalogKind, UpstreamCatalog } from './catalog.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export type {
  CallLink,
  UpstreamConnection,
  UpstreamEvent,
  UpstreamPool,
  UpstreamRequestOptions,
  UpstreamOAuthSpec,
  UpstreamServiceOAuthSpec,
  UpstreamTokenExchangeSpec,
  UpstreamUserAuth,
  UpstreamUserOAuthSpec,
  UpstreamSpec,
  UpstreamState,
  UpstreamStatus,
} from './upstream.js';
export { Gateway, GatewaySession } from './gateway.js';
export type { CallTrace, CallTracer, TraceContext, UpstreamTrace } from './tracing.js';
export { newUpstreamNotes, runUpstreamSide, SERVER_REQUESTS } from './upstream-side.js';
export type { UpstreamMessage, UpstreamVerdict } from './upstream-side.js';
export { resolveTarget } from './router.js';
export type { SqlClient, SqlQueryable, SqlQueryOptions, SqlResult } from './sql.js';
export { unsafePatternReason } from './regex/parse.js';
export { compileSafeRegex, safeRegExpEngine } from './regex/vm.js';
export type { ChainSteps, SubscriptionSharing, TrafficNote, VisibilityFilter } from './gateway.js';
export {
  DEFAULT_MAX_JSON_DEPTH,
  JsonFrameScanner,
  jsonDepth,
  scanJsonFrame,
  tooDeepMessage,
} from './json-limits.js';
export { plain, plainError, plainNotification, plainRequest, plainResult } from './jsonrpc-shape.js';
export { dispatchDirectly } from './direct-dispatch.js';
