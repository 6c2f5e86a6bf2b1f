/**
 * The fake plex.tv of `pnpm soak`, in a child process of its own so that its sockets, fibers and
 * heap stay out of the client's figures. Started with an IPC channel: it sends
 * `{ type: "ready", baseUrl }`, answers `{ type: "stats", id }` with `{ type: "stats", id, stats }`,
 * and exits when the channel closes.
 *
 * With `--hostile` the faults are drawn from `FakeFault.hostileMix`; its compression bombs are built
 * before `ready`, so that the first one sent is not late by the time it takes to compress it.
 *
 *   soak-server.ts --rate 0.05 --seed 42 [--hostile] [--only TEXT] [--skip TEXT]
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Http from "node:http"
import { parseArgs } from "node:util"
import { FakeAccount, FakeFault, PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import type { ServerStats } from "./soak-lib.js"

const { values } = parseArgs({
  options: {
    rate: { type: "string", default: "0.05" },
    seed: { type: "string", default: "42" },
    hostile: { type: "boolean", default: false },
    only: { type: "string" },
    skip: { type: "string" }
  }
})
const rate = Number(values.rate)
const seed = Number(values.seed)
if (!(rate >= 0 && rate <= 1) || !Number.isInteger(seed) || process.send === undefined) {
  console.error("usage: soak-server.ts --rate 0..1 --seed N, with an IPC channel")
  process.exit(2)
}
const send = process.send.bind(process)
const only = values.only?.toLowerCase()
const skip = values.skip?.toLowerCase()
const faults = (values.hostile ? FakeFault.hostileMix : FakeFault.mix).filter((fault) => {
  const text = FakeFault.describe(fault).toLowerCase()
  return (only === undefined || text.includes(only)) && (skip === undefined || !text.includes(skip))
})
if (faults.length === 0) {
  console.error(`no fault left by --only ${values.only ?? "-"} --skip ${values.skip ?? "-"}`)
  process.exit(2)
}

/** One request to ourselves, its body drained without inflating it. */
const request = (baseUrl: string) =>
  Effect.async<void>((resume) => {
    const outgoing = Http.get(`${baseUrl}/api/v2/user`, {
      headers: {
        accept: "application/json",
        "x-plex-client-identifier": "soak-server-warm-up",
        "x-plex-token": "FAKEtokenOwner000001"
      }
    }, (response) => {
      response.resume()
      response.once("end", () => resume(Effect.void))
      response.once("error", () => resume(Effect.void))
    })
    outgoing.once("error", () => resume(Effect.void))
  })

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
      injected: (yield* fake.state).faults.injected,
      redirectsFollowed: transport.redirectsFollowed ?? 0
    }
  })
  // compression bombs are compressed on first use: do it now, then start counting afresh
  const bombs = faults.filter((fault) => fault._tag === "CompressionBomb")
  if (bombs.length > 0) {
    yield* fake.faults({ next: bombs.map((fault) => ({ fault })) })
    for (let i = 0; i < bombs.length; i++) yield* request(server.baseUrl)
  }
  yield* fake.faults({ random: { rate, seed, faults } })
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
    settings: { rateLimit: undefined, logLimit: 0 }
  }))
)

NodeRuntime.runMain(main)
