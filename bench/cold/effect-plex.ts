/**
 * Cold start, this library: a new process, `PlexNode.layer` configured from a map, one
 * `PlexAuth.getTokenDetails`, the account decoded into a `PlexUser`.
 *   node bench/.out/cold/effect-plex.mjs <baseUrl>
 */
import { PlexAuth } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const config = ConfigProvider.fromMap(
  new Map([["PLEX_BASE_URL", process.argv[2]!], ["PLEX_CLIENT_IDENTIFIER", "effect-plex-bench"]])
)

const user = await Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make("FAKEtokenOwner000001"))).pipe(
  Effect.provide(PlexNode.layer.pipe(Layer.provide(Layer.setConfigProvider(config)))),
  Effect.runPromise
)
console.log(`account ${user.id}`)
process.exit(0)
