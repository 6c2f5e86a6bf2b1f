/**
 * Cold start, up to the library being ready: a new process that imports `effect`, `effect/Schema`
 * and `@effect/platform/HttpClient` (as `effect-base.ts`), then the library, and builds
 * `PlexNode.layer` (configured from a map) until `PlexAuth` is in hand; no request. Minus
 * `effect-base.ts`: the library's own share of a cold start.
 *   node bench/.out/js/bench/cold/effect-plex-layer.js <baseUrl>
 */
import * as effect from "effect"
import * as Schema from "effect/Schema"
import * as HttpClient from "@effect/platform/HttpClient"
import { PlexAuth } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"

if (typeof effect.Effect.succeed !== "function" || Schema.String === undefined || HttpClient.HttpClient === undefined) {
  throw new Error("nothing imported")
}
const config = effect.ConfigProvider.fromMap(
  new Map([["PLEX_BASE_URL", process.argv[2]!], ["PLEX_CLIENT_IDENTIFIER", "effect-plex-bench"]])
)
const auth = await effect.Effect.runPromise(
  effect.Effect.scoped(
    effect.Effect.map(
      effect.Layer.build(PlexNode.layer.pipe(effect.Layer.provide(effect.Layer.setConfigProvider(config)))),
      (context) => effect.Context.get(context, PlexAuth)
    )
  )
)
if (typeof auth.getTokenDetails !== "function") throw new Error("no PlexAuth")
console.log("ready")
process.exit(0)
