/**
 * The product name sent when none is configured: plex.tv shows it on its consent page
 * (`app.plex.tv/auth`) and in the user's Authorized Devices, so it is never left out.
 */
export const DEFAULT_PRODUCT = "effect-plex"
