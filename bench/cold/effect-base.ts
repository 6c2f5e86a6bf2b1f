/**
 * Cold start, the floor of the library's own share: a new process that imports only `effect`,
 * `effect/Schema` and `@effect/platform/HttpClient` (what any Effect HTTP client loads), then says
 * it is ready. `effect-plex-layer.ts` minus this is the library's own share of a cold start.
 *   node bench/.out/js/bench/cold/effect-base.js
 */
import * as effect from "effect"
import * as Schema from "effect/Schema"
import * as HttpClient from "@effect/platform/HttpClient"

if (typeof effect.Effect.succeed !== "function" || Schema.String === undefined || HttpClient.HttpClient === undefined) {
  throw new Error("nothing imported")
}
console.log("ready")
process.exit(0)
