/**
 * One process of `bench/redis.ts`: a `PlexTokenValidator` over `PlexNode`'s client and, with
 * `--redis PORT`, `PlexRedis`; checks the 100 bench tokens back to back (16 at a time) for the
 * given time, after one pass that fills the cache, and prints one JSON line.
 */
import { PlexAuth, PlexConfig, PlexTokenValidator } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import { PlexRedis } from "@effect-plex/node/redis"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { BENCH_TOKENS, CLIENT_IDENTIFIER } from "./shared.js"

const [baseUrl, redisPort, millisText, startAtText] = process.argv.slice(2)
const millis = Number(millisText)
const tokens = BENCH_TOKENS.map((token) => Redacted.make(token))

const auth = PlexTokenValidator.layer().pipe(
  Layer.provide(PlexAuth.layer),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provide(PlexConfig.layer({ baseUrl: baseUrl!, client: { clientIdentifier: CLIENT_IDENTIFIER } }))
)
const layer = redisPort === "none"
  ? auth
  : auth.pipe(Layer.provide(PlexRedis.layer({
    redis: { host: "127.0.0.1", port: Number(redisPort) },
    // 4 processes and the fake on 2 cores stall event loops past the default 250 ms: a Redis call
    // cut short is an outage, and an outage a request of this process's own
    timeout: "1 second"
  })))
const runtime = ManagedRuntime.make(layer)

const main = Effect.gen(function*() {
  const validator = yield* PlexTokenValidator
  yield* Effect.forEach(tokens, (token) => validator.validate(token), { concurrency: 16, discard: true })
  // every process starts measuring at the same moment
  yield* Effect.sleep(Math.max(0, Number(startAtText) - Date.now()))
  let checks = 0
  const until = Date.now() + millis
  yield* Effect.forEach(Array.from({ length: 16 }, (_, lane) => lane), (lane) =>
    Effect.gen(function*() {
      let i = lane
      while (Date.now() < until) {
        for (let n = 0; n < 64; n++) {
          yield* validator.validate(tokens[i++ % tokens.length]!)
          checks++
        }
        yield* Effect.yieldNow()
      }
    }), { concurrency: "unbounded", discard: true })
  return checks
})

runtime.runPromise(main).then(
  async (checks) => {
    console.log(JSON.stringify({ checks, millis }))
    await runtime.dispose()
    process.exit(0)
  },
  (error: unknown) => {
    console.error(String(error))
    process.exit(1)
  }
)
