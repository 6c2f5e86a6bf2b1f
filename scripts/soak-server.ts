/**
 * The fake plex.tv of `pnpm soak`, in a child process of its own so that its sockets, fibers and
 * heap stay out of the client's figures. Started with an IPC channel: it sends
 * `{ type: "ready", baseUrl }`, answers `{ type: "stats", id }` with `{ type: "stats", id, stats }`,
 * and exits when the channel closes.
 *
 *   soak-server.ts --rate 0.05 --seed 42
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { parseArgs } from "node:util"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import type { ServerStats } from "./soak-lib.js"

const { values } = parseArgs({
  options: { rate: { type: "string", default: "0.05" }, seed: { type: "string", default: "42" } }
})
const rate = Number(values.rate)
const seed = Number(values.seed)
if (!(rate >= 0 && rate <= 1) || !Number.isInteger(seed) || process.send === undefined) {
  console.error("usage: soak-server.ts --rate 0..1 --seed N, with an IPC channel")
  process.exit(2)
}
const send = process.send.bind(process)

const main = Effect.gen(function*() {
  const server = yield* PlexTvServer
  const fake = yield* PlexTvFake
  const stats: Effect.Effect<ServerStats> = Effect.gen(function*() {
    const transport = yield* server.transportStats
    return {
      openConnections: yield* server.openConnections,
      requests: transport.requests,
      aborted: transport.aborted,
      streamedBytes: transport.streamedBytes,
      injected: (yield* fake.state).faults.injected
    }
  })
  process.on("message", (message: { readonly type?: string; readonly id?: number }) => {
    if (message.type === "stats") {
      void Effect.runPromise(stats).then((value) => send({ type: "stats", id: message.id, stats: value }))
    }
  })
  send({ type: "ready", baseUrl: server.baseUrl })
  yield* Effect.async<void>((resume) => {
    process.once("disconnect", () => resume(Effect.void))
  })
}).pipe(
  Effect.provide(PlexTvServer.layer({
    accounts: [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed],
    // a backend's traffic from one address: plex.tv's own limiter is not what is measured here
    settings: { rateLimit: undefined, logLimit: 0 },
    faults: { random: { rate, seed } }
  }))
)

NodeRuntime.runMain(main)
