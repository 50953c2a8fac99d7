// Config section
export { withAuthDefaults } from './config.js';
export type { ClaimsMapping } from './config.js';
// Resource server: per-request authentication
export { createAuthenticator } from './authenticator.js';
export type { Authenticator } from './authenticator.js';
export { identityFromClaims } from './claims.js';
export { identityKey } from './identity-key.js';
// RFC 9728 metadata and RFC 6750 challenges
export { protectedResourceMetadata, protectedResourceMetadataPaths } from './metadata.js';
// API keys
export { apiKeyJson, createApiKey, listApiKeys, revokeApiKey } from './api-keys/store.js';
// Local mode
export { assertLocalModeAllowed, LOCAL_MODE_WARNING, localIdentity } from './local.js';
// Client side: `mcpgate login` / `logout` and the `mcpgate connect` bridge
export { normalizeGatewayUrl } from './client/discover.js';
export { getAccessToken, login, logout } from './client/login.js';
export { defaultTokenStorePath, TokenStore } from './client/token-store.js';
export { createServiceTokenSource } from './upstream/service-token.js';
export type { ServiceTokenEvent } from './upstream/service-token.js';
export { UserTokenBroker } from './upstream/user-tokens.js';
export type { UserTokenEvent } from './upstream/user-tokens.js';
export { TokenSealer } from './upstream/token-seal.js';
export type { OAuthConnection } from './upstream/connections.js';
export { createTokenExchange } from './upstream/token-exchange.js';
export { flowPrincipal } from './upstream/flow-binding.js';
