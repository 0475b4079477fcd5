export {
  claimsFromPayload,
  TokenRejection,
  type AccessTokenClaims,
  type UserAccessClaims,
  type ServiceAccessClaims,
  type ClaimRules,
} from './access-token-claims';
export { keysFromJwks, type VerificationAlgorithm, type VerificationKey } from './jwks-keys';
export { MAX_TOKEN_BYTES } from './compact-token';
export { createJwksVerifier, type AccessTokenVerifier, type JwksVerifier, type JwksVerifierOptions } from './jwks-verifier';
export {
  requireAccessToken,
  requireRole,
  requireScope,
  requireAmr,
  SECOND_FACTOR_METHODS,
  identityOf,
  userIdentityOf,
  type RequireAccessTokenOptions,
} from './access-token.middleware';
export { createStaticKeyVerifier, type StaticKeyVerifierOptions } from './static-key-verifier';
