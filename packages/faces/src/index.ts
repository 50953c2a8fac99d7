export { serveGatewayStdio } from './stdio-face.js';
export type { SessionHooks, StdioFaceHandle, StdioFaceOptions } from './stdio-face.js';
export {
  applyClient,
  createSessionServer,
  describeClient,
  GATEWAY_CAPABILITIES,
  toProtocolError,
} from './session-server.js';
export type { ClientDescription, SessionServerOptions } from './session-server.js';
export { StdioFaceTransport } from './stdio-transport.js';
export type { StdioFaceTransportOptions } from './stdio-transport.js';
export { classifyFrame } from './jsonrpc-frame.js';
export type { Frame } from './jsonrpc-frame.js';
export { InputExchange, InputExchangeRegistry } from './input-exchange.js';
export { startHttpFace } from './http/http-face.js';
export type {
  AdminRequestHandler,
  RouteHandler,
  HttpAuthenticator,
  HttpAuthResult,
  HttpFaceHandle,
  HttpFaceOptions,
  HttpFaceSettings,
  ReadyReport,
} from './http/http-face.js';
export { GatewayMetrics, LATENCY_BUCKETS } from './http/metrics.js';
export type { GaugeSample, GaugeSource } from './http/metrics.js';
export { createMetricsStep } from './http/metrics-step.js';
export { BoundedEventStore } from './http/event-store.js';
export { SseServerTransport } from './http/sse-transport.js';
export type { SseTransportOptions } from './http/sse-transport.js';
export { sourceIp } from './http/guards.js';
export { HTTP_ROUTES } from './http/routes.js';
export type { HttpRoute } from './http/routes.js';
export { SECURITY_EVENT_LIMITS, SECURITY_EVENT_TYPES, SecurityEvents } from './http/security-events.js';
export type { SecurityEvent, SecurityEventLimits, SecurityEventType } from './http/security-events.js';
export { startStdioHttpBridge } from './http/stdio-bridge.js';
export type { ScopeChallenge, StdioHttpBridgeHandle, StdioHttpBridgeOptions } from './http/stdio-bridge.js';
