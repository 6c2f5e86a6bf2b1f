/**
 * The fake plex.tv for the bench, in a process of its own: `PlexTvServer` on 127.0.0.1 with the
 * owner account (plus the 100 tokens of the cache bench), no rate limit, no request log. Prints
 * its base URL on the first line of stdout; over an IPC channel (when started by `run.ts`) it
 * answers how many requests it has served. Ends when its parent goes away.
 *
 *   pnpm exec tsx --conditions=@effect-plex/source bench/server.ts
 */
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { BENCH_TOKENS, type FromServer, type ToServer } from "./shared.js"

let requests = 0

const owner = FakeAccount.owner
const options = {
  accounts: [{ ...owner, tokens: [...owner.tokens, ...BENCH_TOKENS] }],
  settings: { rateLimit: undefined, logLimit: 0 }
}

/** The fake, counting the requests it answers. */
const CountedFake = Layer.effect(
  PlexTvFake,
  Effect.map(PlexTvFake.make(options), (fake) => ({
    ...fake,
    handle: (request: Parameters<typeof fake.handle>[0]) =>
      Effect.suspend(() => {
        requests++
        return fake.handle(request)
      })
  }))
)

if (process.send !== undefined) {
  process.on("message", (message: ToServer) => {
    if (message.type === "count") process.send!({ type: "count", requests } satisfies FromServer)
  })
  process.on("disconnect", () => process.exit(0))
}

const main = Effect.gen(function*() {
  const server = yield* PlexTvServer
  console.log(server.baseUrl)
  return yield* Effect.never
})

main.pipe(Effect.provide(PlexTvServer.layerWith().pipe(Layer.provide(CountedFake))), NodeRuntime.runMain)
