/**
 * Cold start, up to the library being ready: a new process that imports `effect`, `effect/Schema`
 * and `@effect/platform/HttpClient` (as `effect-base.ts`), then the library, and builds
 * `PlexNode.layer` (configured from a map) until `PlexAuth` is in hand; no request. Prints
 * `ready <ms> <own ms>`: the time since the process started (minus `effect-base.ts`'s: the
 * library's own share), and the time from the three imports done to ready, measured in-process
 * (the same share without the noise of two processes; the library is imported dynamically for it).
 *   node bench/.out/js/bench/cold/effect-plex-layer.js <baseUrl>
 */
import * as effect from "effect"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Schema from "effect/Schema"

if (typeof effect.Effect.succeed !== "function" || Schema.String === undefined || HttpClient.HttpClient === undefined) {
  throw new Error("nothing imported")
}
const imported = performance.now()
const [{ PlexAuth }, { PlexNode }] = await Promise.all([import("@effect-plex/core"), import("@effect-plex/node")])
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
const ready = performance.now()
console.log(`ready ${ready} ${ready - imported}`)
process.exit(0)
