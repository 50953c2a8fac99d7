export { GatewayError, ERROR_CODES, isGatewayError, toGatewayError } from './errors.js';
export type { GatewayErrorCode, GatewayErrorOptions } from './errors.js';
export { ANONYMOUS } from './identity.js';
export type { AuthMethod, Identity } from './identity.js';
export type { ClientInfo, Era, FaceKind, SessionInfo } from './session.js';
export { newId, newCorrelationId } from './ids.js';
export { canonicalJson, canonicalHash, sha256Hex } from './canonical.js';
export { newNotes } from './call.js';
export type {
  CallContext,
  CallIO,
  CallNotes,
  CallTarget,
  Decision,
  JsonObject,
  MaskingEvent,
  Outcome,
  ProgressUpdate,
  StepTiming,
  TargetKind,
} from './call.js';
export { CONTINUE, reject, runChain } from './chain.js';
export { createLogStep } from './log-step.js';
export type { ChainObserver, Forward, Interceptor, RequestVerdict, ResponseVerdict } from './chain.js';
export { DEFAULT_NAMING, exposeName, isValidToolName } from './naming.js';
export type { NamingOptions } from './naming.js';
export { Catalog, EMPTY_CATALOG, templateMatcher } from './catalog.js';
export type {
  CatalogEntry,
  CatalogKind,
  TemplateEntry,
  UpstreamCatalog,
  UpstreamListing,
} from './catalog.js';
export { silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export type {
  UpstreamConnection,
  UpstreamEvent,
  UpstreamPool,
  UpstreamRequestOptions,
  UpstreamOAuthSpec,
  UpstreamSpec,
  UpstreamState,
  UpstreamStatus,
} from './upstream.js';
export { Gateway, GatewaySession, resolveTarget } from './gateway.js';
export type { SqlClient, SqlQueryable, SqlResult } from './sql.js';
export type { ChainSteps, GatewayOptions, SessionPeer, TrafficNote, VisibilityFilter } from './gateway.js';
export { adminRoute, HttpProblem, readJsonBody, sendJson, sendProblem } from './admin-http.js';
export type { AdminHandler } from './admin-http.js';
