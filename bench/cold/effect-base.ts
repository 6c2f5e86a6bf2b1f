/**
 * Cold start, the floor of the library's own share: a new process that imports only `effect`,
 * `effect/Schema` and `@effect/platform/HttpClient` (what an Effect application that makes HTTP
 * calls loads anyway), then prints `ready <ms>`: `performance.now()`, the time since the process
 * started. `effect-plex-layer.ts` minus this is the library's own share of a cold start.
 *   node bench/.out/js/bench/cold/effect-base.js
 */
import * as effect from "effect"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Schema from "effect/Schema"

if (typeof effect.Effect.succeed !== "function" || Schema.String === undefined || HttpClient.HttpClient === undefined) {
  throw new Error("nothing imported")
}
console.log(`ready ${performance.now()}`)
process.exit(0)
