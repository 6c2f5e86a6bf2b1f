/**
 * `plex-auth`'s stored credential: the `CredentialStore` file of this app's identity, its problems
 * kept as `SecureFileError` (exit code 7, naming the file and the fix).
 */
import * as Effect from "effect/Effect"
import { StoredCredential } from "../../CredentialStore.js"
import * as CredentialFile from "../credentialFile.js"

export { StoredCredential }

const file = Effect.map(CredentialFile.defaultPath, (path) => CredentialFile.at(path, StoredCredential))

/** The stored credential, or `None`. */
export const load = Effect.flatMap(file, (store) => store.load)

/** The temporary file of a save, created now (before anything is sent). */
export const prepare = Effect.flatMap(file, (store) => store.prepare)

/** Saves a credential now. */
export const save = (credential: StoredCredential) => Effect.flatMap(file, (store) => store.save(credential))

/** Deletes the stored credential; `true` when there was one. */
export const remove = Effect.flatMap(file, (store) => store.remove)
