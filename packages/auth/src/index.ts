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
export { API_KEY_PREFIX, isApiKeyFormat, parseApiKey, parseDuration } from './api-keys/format.js';
export { API_KEY_REVOKED_CHANNEL, createApiKey, listApiKeys, revokeApiKey } from './api-keys/store.js';
export type { ApiKeyRecord, CreateApiKeyInput } from './api-keys/store.js';
export { createApiKeyVerifier } from './api-keys/verifier.js';
export type { ApiKeyOutcome, ApiKeyVerifier, ApiKeyVerifierOptions } from './api-keys/verifier.js';

// Local mode
export { assertLocalModeAllowed, isLoopbackHost, LOCAL_MODE_WARNING, localIdentity } from './local.js';
