/**
 * The `fake-plex` CLI (packages/node/src/bin/fake-plex.ts), run as a child process from its TypeScript source.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawnNodeScoped } from "./support.js"

const CLI = "packages/node/src/bin/fake-plex.ts"
const env = { ...process.env, NO_COLOR: "1" }

describe.concurrent("fake-plex CLI", () => {
  it.live("serves the fake plex.tv on 127.0.0.1 until it is told to stop", () =>
    Effect.gen(function*() {
      const cli = yield* spawnNodeScoped(CLI, ["--port", "0"], env)
      const [, baseUrl] = yield* Effect.promise(() => cli.line(/listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/))
      yield* Effect.promise(() => cli.line(/token FAKEtokenOwner000001/)) // it prints the sample accounts

      const response = yield* Effect.promise(() =>
        fetch(`${baseUrl}/api/v2/user`, {
          headers: {
            accept: "application/json",
            "x-plex-client-identifier": "fake-plex-cli-test",
            "x-plex-token": "FAKEtokenOwner000001"
          },
          signal: AbortSignal.timeout(5_000)
        })
      )
      assert.strictEqual(response.status, 200)
      assert.include(response.headers.get("content-type") ?? "", "application/json")
      const user = (yield* Effect.promise(() => response.json())) as Record<string, unknown>
      assert.strictEqual(user.username, "fake-owner")
      assert.strictEqual(user.authToken, "FAKEtokenOwner000001")

      // it stops cleanly on SIGTERM
      cli.process.kill("SIGTERM")
      const exit = yield* Effect.promise(() => cli.exited)
      assert.deepStrictEqual(exit, { code: 0, signal: null })
      assert.strictEqual(cli.stderr(), "")
    }).pipe(Effect.scoped))

  it.live("--help prints the usage and exits 0", () =>
    Effect.gen(function*() {
      const cli = yield* spawnNodeScoped(CLI, ["--help"], env)
      const exit = yield* Effect.promise(() => cli.exited)
      assert.deepStrictEqual(exit, { code: 0, signal: null })
      assert.match(cli.stdout(), /^Usage: pnpm fake-plex/)
      assert.notInclude(cli.stdout(), "listening")
    }).pipe(Effect.scoped))
})
