// Config section
export { ASYMMETRIC_ALGORITHMS, withAuthDefaults } from './config.js';
export type {
  ApiKeysConfig,
  AsymmetricAlgorithm,
  AuthConfig,
  ClaimsMapping,
  IntrospectionConfig,
  OidcConfig,
} from './config.js';

// Resource server: per-request authentication
export { authFailureToGatewayError, createAuthenticator } from './authenticator.js';
export type {
  AuthErrorCode,
  AuthFailure,
  Authenticator,
  AuthenticatorDeps,
  AuthResult,
} from './authenticator.js';
export { extractCredential } from './credentials.js';
export type { Credential, HeaderSource } from './credentials.js';
export { claimAt, identityFromClaims, stringList } from './claims.js';
export { identityKey } from './identity-key.js';
export type { FetchLike } from './http.js';

// RFC 9728 metadata and RFC 6750 challenges
export {
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  protectedResourceMetadataUrl,
} from './metadata.js';
export type { ProtectedResourceMetadata } from './metadata.js';
export { bearerChallenge, parseBearerChallenge } from './challenge.js';
export type { BearerError, ChallengeOptions } from './challenge.js';
export { discoverAuthorizationServer, metadataUrls } from './discovery.js';
export type { AuthorizationServerMetadata } from './discovery.js';

// API keys
export { API_KEY_PREFIX, isApiKeyFormat, parseApiKey } from './api-keys/format.js';
export { API_KEY_REVOKED_CHANNEL, createApiKey, listApiKeys, revokeApiKey } from './api-keys/store.js';
export type { ApiKeyRecord, CreateApiKeyInput } from './api-keys/store.js';
export { createApiKeyVerifier } from './api-keys/verifier.js';
export type { ApiKeyOutcome, ApiKeyVerifier, ApiKeyVerifierOptions } from './api-keys/verifier.js';

// Local mode
export { assertLocalModeAllowed, isLoopbackHost, LOCAL_MODE_WARNING, localIdentity } from './local.js';

// Client side: `mcpgate login` / `logout` and the `mcpgate connect` bridge
export { discoverGatewayAuth, loginScopes, normalizeGatewayUrl, resourceCovers } from './client/discover.js';
export type { GatewayAuthInfo } from './client/discover.js';
export { authorizationCodeFlow, deviceFlow } from './client/flows.js';
export type { DeviceCodeInfo, FlowOptions } from './client/flows.js';
export { getAccessToken, login, logout } from './client/login.js';
export type { AccessTokenOptions, LoginOptions } from './client/login.js';
export { OAuthError } from './client/oauth.js';
export type { TokenSet } from './client/oauth.js';
export { probeChallenge, readBearerChallenge } from './client/challenge.js';
export type { BearerChallenge } from './client/challenge.js';
export {
  chooseAuthMethod,
  registerClient,
  registerPublicClient,
  registrationGrantTypes,
  resolveClient,
} from './client/register.js';
export type { ClientChoice, ClientCredentials, TokenEndpointAuthMethod } from './client/register.js';
export { defaultTokenStorePath, TokenStore } from './client/token-store.js';
export type { StoredTokens } from './client/token-store.js';
export { createServiceTokenSource } from './upstream/service-token.js';
export type { ServiceTokenEvent, ServiceTokenSource } from './upstream/service-token.js';
