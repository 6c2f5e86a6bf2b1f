/**
 * Effect-native client for the plex.tv account and authentication API.
 *
 * @since 0.1.0
 */
export { PasswordCredentials } from "./PasswordCredentials.js"
export { PlexAuth, type PlexAuthError, type PlexAuthService } from "./PlexAuth.js"
export { PlexClientInfo, plexClientHeaderNames } from "./PlexClientInfo.js"
export { PlexConfig, type PlexConfigOptions, type PlexConfigService } from "./PlexConfig.js"
export { PlexApiError, PlexBadRequestError, PlexDecodeError, PlexError, PlexHttpError } from "./PlexError.js"
export { PlexRateLimitError, PlexTimeoutError, PlexTransportError, PlexUnauthorizedError } from "./PlexError.js"
export { PlexUnauthorizedReason } from "./PlexError.js"
export { PlexCustomRestrictions, PlexPastSubscription, PlexSubscription, PlexSubscriptionEntry } from "./PlexUser.js"
export { PlexUser, PlexUserProfile, PlexUserService, PlexUserSetting } from "./PlexUser.js"
export { KeyStore, type KeyStoreService } from "./KeyStore.js"
export { PlexDeviceKey, PlexPublicJwk } from "./PlexDeviceKey.js"
export { PlexJwtAuth, type PlexJwtAuthService, type PlexJwtError, type PlexJwtExchangeOptions } from "./PlexJwtAuth.js"
export { PlexJwtToken, type PlexTokenSource, type PlexTokenSourceOptions } from "./PlexJwtAuth.js"
export { PlexHomePinRequiredError, PlexJwtRejectedError, PlexJwtRejectedReason } from "./PlexError.js"
export { PlexKeyStoreError, PlexPinExpiredError } from "./PlexError.js"
export { PlexTokenValidator, type PlexTokenValidatorOptions, type PlexTokenValidatorService } from "./PlexTokenValidator.js"
