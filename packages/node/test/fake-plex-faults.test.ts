/** The fault flags of the `fake-plex` CLI: the same fault plan as the test services, from the command line. */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawnNodeScoped } from "./support.js"

const CLI = "packages/node/src/bin/fake-plex.ts"
const env = { ...process.env, NO_COLOR: "1" }
const headers = {
  accept: "application/json",
  "x-plex-client-identifier": "fake-plex-faults-test",
  "x-plex-token": "FAKEtokenOwner000001"
}

/** The status of one request, or the name of the network error that ended it. */
const statusOf = (url: string) =>
  Effect.promise(() =>
    fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(20_000) }).then(
      async (response) => {
        await response.arrayBuffer()
        return String(response.status)
      },
      (error: unknown) => `failed: ${String((error as { cause?: { code?: unknown } }).cause?.code ?? error)}`
    )
  )

/** The status of one request, its body left unread (an endless or inflating body), or the network error. */
const headOf = (url: string) =>
  Effect.promise(() =>
    fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(20_000) }).then(
      async (response) => {
        await response.body?.cancel().catch(() => {})
        return String(response.status)
      },
      (error: unknown) => `failed: ${String((error as { cause?: { code?: unknown } }).cause?.code ?? error)}`
    )
  )

describe.concurrent("fake-plex fault flags", () => {
  it.live("--fault steps apply in order, then --fault-rate 1 and --fault-mix spoil every request to --fault-path", () =>
    Effect.gen(function*() {
      const cli = yield* spawnNodeScoped(CLI, [
        "--no-rate-limit",
        "--latency",
        "10",
        "--fault",
        "503*2",
        "--fault",
        "reset",
        "--fault",
        "429:7",
        "--fault-rate",
        "1",
        "--fault-mix",
        "502,html:504",
        "--fault-path",
        "/api/v2/user"
      ], env)
      const [, baseUrl] = yield* Effect.promise(() => cli.line(/listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/))
      yield* Effect.promise(() => cli.line(/faults: 10 ms added/))
      const user = `${baseUrl}/api/v2/user`
      const statuses: Array<string> = []
      for (let i = 0; i < 4; i++) statuses.push(yield* statusOf(user))
      assert.deepStrictEqual(statuses.slice(0, 2), ["503", "503"])
      assert.match(statuses[2]!, /^failed/) // the connection was reset
      assert.strictEqual(statuses[3], "429")
      for (let i = 0; i < 6; i++) assert.include(["502", "504"], yield* statusOf(user))
      assert.strictEqual(yield* statusOf(`${baseUrl}/api/v2/ping`), "200") // another path: no faults
      cli.process.kill("SIGTERM")
      assert.deepStrictEqual(yield* Effect.promise(() => cli.exited), { code: 0, signal: null })
    }).pipe(Effect.scoped))

  it.live(
    "hostile bodies from --fault, then --fault-mix hostile: each as asked, nothing but an HTTP answer",
    () =>
      Effect.gen(function*() {
        const cli = yield* spawnNodeScoped(CLI, [
          "--no-rate-limit",
          "--fault",
          "markup:repeated-open:422:html:4096",
          "--fault",
          "deep-json:object:503:20000",
          "--fault",
          "malformed-json",
          "--fault",
          "redirect:307",
          "--fault",
          "huge-no-length:5000:500",
          "--fault-rate",
          "1",
          "--fault-mix",
          "hostile",
          "--fault-path",
          "/api/v2/user"
        ], env)
        const [, baseUrl] = yield* Effect.promise(() => cli.line(/listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/))
        const user = `${baseUrl}/api/v2/user`
        const statuses: Array<string> = []
        for (let i = 0; i < 5; i++) statuses.push(yield* statusOf(user))
        assert.deepStrictEqual(statuses, ["422", "503", "200", "307", "500"])
        // the hostile mix: answers of many statuses, or a broken connection, never a hang past the timeout
        const seen = new Set<string>()
        for (let i = 0; i < 12; i++) seen.add(yield* headOf(user))
        assert.isAtLeast(seen.size, 2)
        assert.strictEqual(yield* statusOf(`${baseUrl}/api/v2/ping`), "200")
        cli.process.kill("SIGTERM")
        assert.deepStrictEqual(yield* Effect.promise(() => cli.exited), { code: 0, signal: null })
      }).pipe(Effect.scoped),
    120_000
  )

  it.live("an unknown fault is refused with exit code 2", () =>
    Effect.gen(function*() {
      const cli = yield* spawnNodeScoped(CLI, ["--fault", "teapot"], env)
      const exit = yield* Effect.promise(() => cli.exited)
      assert.strictEqual(exit.code, 2)
      assert.include(cli.stderr(), "teapot")
      assert.notInclude(cli.stdout(), "listening")
    }).pipe(Effect.scoped))
})
