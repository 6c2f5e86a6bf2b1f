/**
 * The Node runtime of effect-plex: undici, configuration from the environment, a stable client
 * identifier.
 *
 * @since 0.1.0
 */
export { ClientIdentifier } from "./ClientIdentifier.js"
export { PlexNode } from "./PlexNode.js"
export { FileKeyStore } from "./FileKeyStore.js"
export {
  CredentialStore,
  CredentialStoreError,
  type CredentialStoreService,
  StoredCredential
} from "./CredentialStore.js"
