export { serveGatewayStdio } from './stdio-face.js';
export type { SessionHooks, StdioFaceHandle, StdioFaceOptions } from './stdio-face.js';
export { createSessionServer, GATEWAY_CAPABILITIES, toProtocolError } from './session-server.js';
export type { SessionServerOptions } from './session-server.js';
export { StdioFaceTransport } from './stdio-transport.js';
export type { StdioFaceTransportOptions } from './stdio-transport.js';
export { classifyFrame } from './jsonrpc-frame.js';
export type { Frame } from './jsonrpc-frame.js';
export { InputExchange, InputExchangeRegistry } from './input-exchange.js';
