import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { formatReport, runSoak, type SoakServer } from "../../../scripts/soak-lib.js"
import { startServer } from "./reliabilitySupport.js"

describe("soak, small (pnpm soak runs the full one)", () => {
  // What pnpm soak measures to the millisecond (how late a call ends past its deadline, the event
  // loop's delay) depends on the machine's load: here the margin is wide, so that only a call that
  // hangs past its deadline fails the test, and the timeout leaves room for a busy machine.
  it.live(
    "1,000 calls at concurrency 64, 5% seeded faults: no defect, no call hung, nothing left behind",
    () =>
      Effect.gen(function*() {
        const { fake, server } = yield* startServer({
          plan: { random: { rate: 0.05, seed: 42 } },
          settings: { logLimit: 0 }
        })
        const soakServer: SoakServer = {
          baseUrl: server.baseUrl,
          stats: Effect.gen(function*() {
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
        }
        const report = yield* runSoak(soakServer, {
          calls: 1000,
          concurrency: 64,
          timeout: Duration.seconds(1),
          deadline: Duration.seconds(3),
          margin: Duration.seconds(10),
          maxRunTime: Duration.seconds(150),
          // the server shares this process: its heap is in the figure too
          heapBoundBytes: 96 * 1024 * 1024,
          warmup: 200
        })
        assert.deepStrictEqual(report.violations, [], formatReport(report).join("\n"))
        assert.strictEqual(report.defects + report.unhandled + report.lateCalls + report.interruptions, 0)
        // faults did reach the client: after a 429 the rate-limit gate holds most calls back (they
        // fail fast with PlexRateLimitError, which is its job), so only a few hundred calls reach the fake
        assert.isAtLeast(
          Object.values(report.server.injected).reduce((a, b) => a + (b ?? 0), 0),
          5,
          formatReport(report).join("\n")
        )
        assert.strictEqual(report.openSocketsAtEnd, 0)
      }).pipe(Effect.scoped),
    180_000
  )
})
