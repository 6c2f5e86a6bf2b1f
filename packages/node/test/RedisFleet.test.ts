/**
 * A fleet of 4 processes sharing one plex.tv budget and one token cache through a real
 * `redis-server` (started here on 127.0.0.1 at a free port, see test-support/redis.ts), against
 * one fake plex.tv served by this process.
 */
import { FakeAccount, FakeFault, type FakeLogEntry, PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as Effect from "effect/Effect"
import * as ManagedRuntime from "effect/ManagedRuntime"
import { type ChildProcess, spawn } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { Redis } from "ioredis"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { redisMissing, type RedisServer, startRedis } from "../../../test-support/redis.js"
import type { Answer, Ask } from "./fixtures/redisFleetWorker.js"

const packageDir = Path.dirname(Path.dirname(fileURLToPath(import.meta.url)))
const workerFile = Path.join(packageDir, "test", "fixtures", "redisFleetWorker.ts")

const tokens = Array.from({ length: 140 }, (_, i) => `FAKEfleetToken${String(i).padStart(6, "0")}`)
const [cooldownToken] = tokens
const cacheTokens = tokens.slice(0, 100)
const rejoinTokens = tokens.slice(100, 120)
const account = FakeAccount.make({ id: 4242, username: "fleet", email: "fleet@example.invalid", tokens })

interface Worker {
  readonly name: string
  readonly process: ChildProcess
  readonly ask: (ask: Ask) => Promise<Answer>
}

const startWorker = (name: string): Worker => {
  const child = spawn(process.execPath, ["--conditions=@effect-plex/source", "--import", "tsx", workerFile], {
    cwd: packageDir,
    stdio: ["ignore", "inherit", "inherit", "ipc"]
  })
  let pending: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | undefined
  child.on("message", (message) => {
    const current = pending
    pending = undefined
    current?.resolve(message as Answer)
  })
  child.on("exit", (code, signal) => {
    pending?.reject(new Error(`${name} exited (${signal ?? code})`))
    pending = undefined
  })
  return {
    name,
    process: child,
    ask: (ask) =>
      new Promise<Answer>((resolve, reject) => {
        if (pending !== undefined) return reject(new Error(`${name}: one message at a time`))
        pending = {
          resolve: (answer) =>
            answer._tag === "Error" ? reject(new Error(`${name}: ${answer.message}`)) : resolve(answer),
          reject
        }
        child.send(ask)
      })
  }
}

const skip = redisMissing !== undefined

describe.skipIf(skip)(`a fleet of 4 processes through Redis${skip ? ` (SKIPPED: ${redisMissing})` : ""}`, () => {
  let redis: RedisServer
  let fake: ManagedRuntime.ManagedRuntime<PlexTvServer | PlexTvFake, never>
  let baseUrl: string
  let workers: ReadonlyArray<Worker> = []
  let admin: Redis

  const log = () => fake.runPromise(Effect.flatMap(PlexTvFake, (plex) => plex.requests))
  const userChecks = (entries: ReadonlyArray<FakeLogEntry>) => entries.filter((entry) => entry.path === "/api/v2/user")
  const status = () =>
    Promise.all(workers.map((worker) => worker.ask({ _tag: "Status" }))) as Promise<
      Array<Extract<Answer, { _tag: "Status" }>>
    >
  const waitFor = async (what: string, check: () => Promise<boolean>, millis = 20_000) => {
    const until = Date.now() + millis
    while (Date.now() < until) {
      if (await check()) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  beforeAll(async () => {
    redis = await startRedis()
    admin = new Redis({ host: "127.0.0.1", port: redis.port, retryStrategy: () => 200 })
    admin.on("error", () => {})
    // the fake's own rate limit off: the only 429 is the one the cool-down test plants
    fake = ManagedRuntime.make(PlexTvServer.layer({ accounts: [account], settings: { rateLimit: undefined } }))
    baseUrl = await fake.runPromise(Effect.map(PlexTvServer, (server) => server.baseUrl))
    workers = ["one", "two", "three", "four"].map((name) => startWorker(`fleet-${name}`))
    await Promise.all(
      workers.map((worker) => worker.ask({ _tag: "Init", baseUrl, redisPort: redis.port, name: worker.name }))
    )
    const connected = await status()
    assert.deepStrictEqual(connected.map((answer) => answer.connected), [true, true, true, true])
  })

  afterAll(async () => {
    for (const worker of workers) {
      worker.process.disconnect()
    }
    await Promise.all(workers.map((worker) =>
      worker.process.exitCode !== null ? undefined : new Promise((resolve) => {
        const timer = setTimeout(() => worker.process.kill("SIGKILL"), 5_000)
        worker.process.once("exit", () => resolve(clearTimeout(timer)))
      })
    ))
    admin?.disconnect()
    await fake?.dispose()
    await redis?.stop()
  })

  it("a 429 with Retry-After: 2 that one replica saw holds every replica back for 2 seconds", async () => {
    await fake.runPromise(
      Effect.flatMap(
        PlexTvFake,
        (plex) => plex.faults({ next: [{ fault: FakeFault.status(429, { retryAfter: 2 }), times: 1 }] })
      )
    )
    const before = (await log()).length
    const first = workers[0]!.ask({ _tag: "Call", token: cooldownToken!, forMillis: 1 })
    // the others start once the first has told Redis (not before: nobody can honour a 429 it was not told of)
    await waitFor("the 429", async () => (await log()).slice(before).some((entry) => entry.status === 429))
    await waitFor(
      "the cool-down in Redis",
      async () => (await admin.exists(`effect-plex:gate:cooldown:${baseUrl}`)) === 1
    )
    const others = await Promise.all(
      workers.slice(1).map((worker) => worker.ask({ _tag: "Call", token: cooldownToken!, forMillis: 3_000 }))
    )
    const firstAnswer = await first
    const entries = (await log()).slice(before)
    const shut = entries.find((entry) => entry.status === 429)!
    const during = entries.filter((entry) => entry.at > shut.at && entry.at < shut.at + 1_950)
    assert.deepStrictEqual(
      during.map((entry) => `${entry.clientIdentifier} ${entry.at - shut.at} ms after the 429`),
      [],
      "no request from any replica during the cool-down"
    )
    const after = entries.filter((entry) => entry.at >= shut.at + 1_950)
    assert.isAbove(after.length, 3)
    for (const worker of workers.slice(1)) {
      assert.isTrue(after.some((entry) => entry.clientIdentifier === worker.name), `${worker.name} called after it`)
    }
    assert.deepStrictEqual(firstAnswer, { _tag: "Called", ok: 1, failed: [] })
    for (const answer of others) {
      assert.strictEqual(answer._tag, "Called")
      assert.deepStrictEqual((answer as Extract<Answer, { _tag: "Called" }>).failed, [])
    }
  })

  it("4 replicas checking the same 100 tokens ask plex.tv 100 times in all", async () => {
    const before = (await log()).length
    const answers = await Promise.all(workers.map((worker, i) =>
      worker.ask({
        _tag: "Validate",
        // each replica in its own order
        tokens: cacheTokens.map((_, j) => cacheTokens[(j * (2 * i + 1) + 7 * i) % cacheTokens.length]!),
        concurrency: 8
      })
    ))
    for (const answer of answers) assert.deepStrictEqual(answer, { _tag: "Validated", ok: 100, failed: [] })
    const checks = userChecks((await log()).slice(before))
    const byReplica = workers.map((worker) => checks.filter((entry) => entry.clientIdentifier === worker.name).length)
    assert.strictEqual(checks.length, 100, `requests by replica: ${byReplica.join(", ")}`)
    // no outage meanwhile: Redis answered every replica in time
    for (const answer of await status()) assert.deepStrictEqual(answer.warnings, [])
  })

  it("Redis killed mid-run: calls keep working, one warning per replica, and the fleet rejoins after a restart", async () => {
    const running = Promise.all(
      workers.map((worker) => worker.ask({ _tag: "Call", token: cooldownToken!, forMillis: 2_500 }))
    )
    await new Promise((resolve) => setTimeout(resolve, 500))
    await redis.kill()
    const answers = await running
    for (const answer of answers) {
      assert.strictEqual(answer._tag, "Called")
      const called = answer as Extract<Answer, { _tag: "Called" }>
      assert.deepStrictEqual(called.failed, [])
      assert.isAbove(called.ok, 5)
    }
    const down = await status()
    assert.deepStrictEqual(down.map((answer) => answer.connected), [false, false, false, false])
    for (const answer of down) {
      assert.strictEqual(answer.warnings.filter((line) => line.includes("Redis")).length, 1, answer.warnings.join("\n"))
    }
    // the token cache falls back to memory: every replica answers
    const offline = await Promise.all(
      workers.map((worker) => worker.ask({ _tag: "Validate", tokens: tokens.slice(120, 125), concurrency: 2 }))
    )
    for (const answer of offline) assert.deepStrictEqual(answer, { _tag: "Validated", ok: 5, failed: [] })

    await redis.restart()
    await waitFor("every replica to rejoin", async () => (await status()).every((answer) => answer.connected))
    const before = (await log()).length
    const answersAfter = await Promise.all(
      workers.map((worker) => worker.ask({ _tag: "Validate", tokens: rejoinTokens, concurrency: 4 }))
    )
    for (const answer of answersAfter) assert.deepStrictEqual(answer, { _tag: "Validated", ok: 20, failed: [] })
    assert.strictEqual(
      userChecks((await log()).slice(before)).length,
      20,
      "one request per token across the fleet again"
    )
    const after = await status()
    for (const answer of after) {
      assert.strictEqual(answer.warnings.filter((line) => line.includes("Redis")).length, 1, "one warning per outage")
    }
  })
})
