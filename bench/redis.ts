/**
 * `pnpm bench:redis [--quick] [--out FILE]`: the token cache shared through Redis (issue 14), apart
 * from `pnpm bench` so that its CI smoke run stays as short as it was. Needs `redis-server`
 * (`scripts/ci/redis.sh`): it starts its own on 127.0.0.1 at a free port.
 *
 * - Hit cost, in this process: a cached check served from the validator's memory, against one
 *   served from Redis (the shared cache's `lookup` for a key Redis holds: what a replica pays the
 *   first time it sees a token another replica checked).
 * - Throughput: cached token checks a second of 1 and of 4 processes (each a `PlexTokenValidator`
 *   with `PlexRedis`, 16 checks at a time over the 100 bench tokens), and how many requests plex.tv
 *   got for them: 100 whatever the number of processes.
 *
 * Writes the table to `bench/redis-results.md` (or FILE). Asserts nothing about speed.
 */
import { PlexAuth, PlexConfig, PlexTokenCacheStore, PlexTokenValidator, PlexUser } from "@effect-plex/core"
import { FakeAccount, PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexRedis } from "@effect-plex/node/redis"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { redisMissing, startRedis } from "../test-support/redis.js"
import { benchDir, rootDir } from "./proc.js"
import { BENCH_TOKENS } from "./shared.js"

const argv = process.argv.slice(2)
const quick = argv.includes("--quick")
const outIndex = argv.indexOf("--out")
const out = outIndex >= 0 ? argv[outIndex + 1]! : Path.join(benchDir, "redis-results.md")
const millis = quick ? 1_000 : 5_000

if (redisMissing !== undefined) {
  console.error(redisMissing)
  process.exit(1)
}

const perSecond = (count: number, ms: number) => Math.round(count / (ms / 1000))

/** Runs `f` back to back for `ms` (after a warm-up of a fifth of it): calls a second and µs a call. */
const measure = async (ms: number, f: (i: number) => Promise<unknown>) => {
  const run = async (length: number) => {
    let i = 0
    const until = performance.now() + length
    while (performance.now() < until) await f(i++)
    return i
  }
  await run(ms / 5)
  const start = performance.now()
  const count = await run(ms)
  const elapsed = performance.now() - start
  return { perSecond: perSecond(count, elapsed), micros: (elapsed * 1000) / count }
}

const account = FakeAccount.make({ id: 5150, username: "bench", email: "bench@example.invalid", tokens: BENCH_TOKENS })

const main = async () => {
  const redis = await startRedis()
  // no rate limit of the fake's own: the figures are the cache's, not the gate's
  const fake = ManagedRuntime.make(PlexTvServer.layer({ accounts: [account], settings: { rateLimit: undefined } }))
  const baseUrl = await fake.runPromise(Effect.map(PlexTvServer, (server) => server.baseUrl))
  // the token checks plex.tv answered (a 429 of the fake's own rate limit, retried, is not one more check)
  const requests = () =>
    fake.runPromise(Effect.map(
      Effect.flatMap(PlexTvFake, (plex) => plex.requests),
      (log) => log.filter((entry) => entry.path === "/api/v2/user" && entry.status === 200).length
    ))
  const lines: Array<string> = []
  try {
    // --- hit cost, in this process
    const shared = ManagedRuntime.make(
      PlexRedis.layer({ redis: { host: "127.0.0.1", port: redis.port }, prefix: "hit:" })
    )
    const cache = await shared.runPromise(
      Effect.flatMap(
        PlexTokenCacheStore,
        (store) =>
          Effect.scoped(store.make({ timeToLive: Duration.minutes(5), invalidTimeToLive: Duration.seconds(30) }))
      )
    )
    const tokens = BENCH_TOKENS.map((token) => Redacted.make(token))
    const filled = (i: number) =>
      Effect.succeed(new PlexUser({ id: 5150, uuid: "bench", authToken: tokens[i]!, username: "bench" }))
    for (let i = 0; i < tokens.length; i++) await shared.runPromise(cache.lookup(tokens[i]!, filled(i)))
    const fromRedis = await measure(
      millis,
      (i) => shared.runPromise(cache.lookup(tokens[i % tokens.length]!, Effect.die("not cached")))
    )
    // the validator's own memory (no Redis): a hash, a Map lookup, a clock read
    const alone = ManagedRuntime.make(
      PlexTokenValidator.layer().pipe(
        Layer.provide(PlexAuth.layer),
        Layer.provide(PlexNode.layerHttpClient),
        Layer.provide(PlexConfig.layer({ baseUrl, client: { clientIdentifier: "bench-redis" } }))
      )
    )
    const validator = await alone.runPromise(PlexTokenValidator)
    for (const token of tokens) await alone.runPromise(validator.validate(token))
    const fromMemory = await measure(millis, (i) => alone.runPromise(validator.validate(tokens[i % tokens.length]!)))
    await alone.dispose()
    await shared.dispose()

    // --- throughput of 1 and 4 processes sharing Redis
    const fleet = async (processes: number, port: string) => {
      const before = await requests()
      const startAt = Date.now() + 8_000 + 2_000 * processes
      const results = await Promise.all(
        Array.from(
          { length: processes },
          () =>
            new Promise<{ checks: number; millis: number }>((resolve, reject) =>
              execFile(
                process.execPath,
                [
                  "--conditions=@effect-plex/source",
                  "--import",
                  "tsx",
                  Path.join(benchDir, "redisWorker.ts"),
                  baseUrl,
                  port,
                  String(millis),
                  String(startAt)
                ],
                { cwd: rootDir, timeout: 120_000 },
                (error, stdout, stderr) =>
                  error === null
                    ? resolve(JSON.parse(stdout.trim().split("\n").at(-1)!))
                    : reject(new Error(`${error}\n${stderr}`))
              )
            )
        )
      )
      const checks = results.reduce((sum, result) => sum + result.checks, 0)
      return { perSecond: perSecond(checks, millis), requests: (await requests()) - before }
    }
    const one = await fleet(1, String(redis.port))
    await redis.kill()
    await redis.restart() // empty again: the 4 processes fill it themselves
    const four = await fleet(4, String(redis.port))
    const fourAlone = await fleet(4, "none")

    lines.push(
      `# Token cache shared through Redis (\`pnpm bench:redis${quick ? " --quick" : ""}\`)`,
      "",
      `${new Date().toISOString()}, Node ${process.version}, ${Os.cpus().length} cores (${
        Os.cpus()[0]?.model ?? "?"
      }), ` +
        `load ${Os.loadavg().map((n) => n.toFixed(1)).join(" ")}; ${
          millis / 1000
        } s a figure; redis-server on 127.0.0.1.`,
      "",
      "| cached check | per second | µs a check |",
      "| --- | ---: | ---: |",
      `| memory hit (the validator's own cache) | ${fromMemory.perSecond} | ${fromMemory.micros.toFixed(1)} |`,
      `| Redis hit (the shared cache, one process, one at a time) | ${fromRedis.perSecond} | ${
        fromRedis.micros.toFixed(1)
      } |`,
      `| extra cost of a Redis hit | | ${(fromRedis.micros - fromMemory.micros).toFixed(1)} |`,
      "",
      "| processes, 100 tokens, 16 checks at a time each | cached checks a second (all processes) | token checks plex.tv answered |",
      "| --- | ---: | ---: |",
      `| 1, with PlexRedis | ${one.perSecond} | ${one.requests} |`,
      `| 4, with PlexRedis (one Redis) | ${four.perSecond} | ${four.requests} |`,
      `| 4, each with its own cache (no Redis) | ${fourAlone.perSecond} | ${fourAlone.requests} |`,
      ""
    )
  } finally {
    await fake.dispose()
    await redis.stop()
  }
  const text = lines.join("\n")
  console.log(text)
  Fs.writeFileSync(out, text)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
