/**
 * The services a `plex-auth` command talks to plex.tv with, built only when a command runs (never
 * for `--help` or a usage error): every service over one `PlexClient`, configured from the
 * environment as `PlexNode.layer` is, with the stored client identifier, and the device key of
 * `FileKeyStore`.
 */
import * as Options from "@effect/cli/Options"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import {
  PlexAuth,
  PlexClient,
  PlexConfig,
  PlexHome,
  PlexJwtAuth,
  PlexPinAuth,
  PlexResources,
  type PlexUser
} from "@effect-plex/core"
import { FileKeyStore } from "../../FileKeyStore.js"
import { PlexNode } from "../../PlexNode.js"
import * as StoredIdentifier from "../clientIdentifier.js"
import { type CurrentToken, currentToken } from "./environment.js"
import { usageError } from "./failure.js"

/**
 * A stored identifier's file problem stays a file problem (exit code 7), not a configuration error
 * (`ClientIdentifier.get` would make it one).
 */
const PlexLive = Layer.mergeAll(
  PlexAuth.layerWithoutDependencies,
  PlexPinAuth.layerWithoutDependencies,
  PlexJwtAuth.layerWithoutDependencies,
  PlexResources.layerWithoutDependencies,
  PlexHome.layerWithoutDependencies
).pipe(
  Layer.provide(PlexClient.layer),
  Layer.provide(PlexConfig.layerConfigWith(StoredIdentifier.resolve)),
  Layer.provideMerge(PlexNode.layerHttpClient), // PlexResources.connect talks to a server with it
  Layer.merge(FileKeyStore.layer())
)

/** Runs a command's work with the plex.tv services. */
export const withPlex = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, PlexLive)

/**
 * Runs a command's work with the current token and the plex.tv services. The token is found first,
 * so "not signed in" fails before any file (client identifier, key) is made.
 */
export const withToken = <A, E, R>(use: (current: CurrentToken) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(currentToken, (current) => withPlex(use(current)))

/** `--save FILE`, shared by the commands that get a new token. */
export const saveOption = Options.text("save").pipe(
  Options.withPseudoName("FILE"),
  Options.withDescription(
    "also write the new token to FILE (mode 0600), for scripts. Checked before anything is sent: its " +
      "directory must exist, and FILE must not be a symbolic link"
  ),
  Options.optional
)

/** `--save`'s value, refused when empty. */
export const saveTarget = (save: Option.Option<string>) =>
  Option.isSome(save) && save.value === "" ? Effect.fail(usageError("--save needs a file name")) : Effect.succeed(save)

/** `--json`, shared by the commands that list or describe. */
export const jsonOption = Options.boolean("json").pipe(Options.withDescription("print JSON instead of text"))

/** An account on one line. */
export const describe = (user: PlexUser) => {
  const name = [user.username, user.title, user.friendlyName].find((n) => n !== undefined && n !== "") ?? "(no name)"
  const email = user.email === undefined || user.email === "" ? "" : ` <${user.email}>`
  return `${name}${email}, account ${user.id}${user.subscription?.active === true ? ", Plex Pass" : ""}`
}

/** An account as `--json` shows it: what identifies it, never a token. */
export const accountJson = (user: PlexUser) => ({
  id: user.id,
  uuid: user.uuid,
  username: user.username ?? null,
  email: user.email ?? null,
  title: user.title ?? null,
  friendlyName: user.friendlyName ?? null,
  plexPass: user.subscription?.active === true,
  twoFactorEnabled: user.twoFactorEnabled ?? null,
  home: user.home ?? null,
  homeAdmin: user.homeAdmin ?? null,
  restricted: user.restricted ?? null
})
