/**
 * The Redis gate store and token cache of `@effect-plex/node/redis`, two "replicas" (two
 * `PlexRedis` layers) in this process against a real `redis-server` (test-support/redis.ts):
 * what they share, the cap, the admission rate, what is written to Redis, and what happens when
 * Redis is slow, answers garbage, or is not there at all.
 */
import {
  PlexGateStore,
  PlexTimeoutError,
  type PlexTokenCache,
  PlexTokenCacheStore,
  PlexUnauthorizedError,
  PlexUser
} from "@effect-plex/core"
import { PlexRedis } from "@effect-plex/node/redis"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import { createHash } from "node:crypto"
import { Redis } from "ioredis"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { freePort, redisMissing, type RedisServer, startRedis } from "../../../test-support/redis.js"

const skip = redisMissing !== undefined
const HOST = "https://plex.tv"
const TOKEN = "FAKEredisStoreToken01"
const keyOf = (token: string) => createHash("sha256").update(token).digest("hex")

const user = (token: string) =>
  new PlexUser({
    id: 7,
    uuid: "u-7",
    authToken: Redacted.make(token),
    username: "seven",
    email: "seven@example.invalid"
  })

interface Replica {
  readonly runtime: ManagedRuntime.ManagedRuntime<PlexRedis | PlexGateStore | PlexTokenCacheStore, never>
  readonly warnings: Array<string>
  readonly run: <A>(effect: Effect.Effect<A, never, PlexRedis | PlexGateStore | PlexTokenCacheStore>) => Promise<A>
}

const replica = (
  port: number,
  options?: { readonly admission?: { limit: number; window: Duration.DurationInput } }
): Replica => {
  const warnings: Array<string> = []
  const logger = Logger.make(({ logLevel, message }) => {
    if (logLevel._tag === "Warning") warnings.push(String(message))
  })
  const runtime = ManagedRuntime.make(
    PlexRedis.layer({
      redis: { host: "127.0.0.1", port },
      prefix: `test-${port}:`,
      timeout: "250 millis",
      probeInterval: "100 millis",
      ...(options?.admission === undefined ? {} : { admission: options.admission })
    }).pipe(Layer.provide(Logger.replace(Logger.defaultLogger, logger)))
  )
  return { runtime, warnings, run: (effect) => runtime.runPromise(effect) }
}

const enter = (signIn = false) => Effect.flatMap(PlexGateStore, (store) => store.enter(HOST, signIn))
const shut = (lock: "rateLimit" | "signIn", millis: number) =>
  Effect.flatMap(PlexGateStore, (store) => store.shut(HOST, lock, millis))
const openCache = (r: Replica) =>
  r.run(Effect.flatMap(PlexTokenCacheStore, (store) =>
    // nothing of the cache itself is scoped (its Redis handles live with the link)
    Effect.scoped(store.make({ timeToLive: Duration.minutes(5), invalidTimeToLive: Duration.seconds(30) }))))
const connected = (r: Replica) => r.run(Effect.flatMap(PlexRedis, (redis) => redis.connected))
const waitUntil = async (what: string, check: () => Promise<boolean>, millis = 10_000) => {
  const until = Date.now() + millis
  while (Date.now() < until) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new Error(`timed out waiting for ${what}`)
}

describe.skipIf(skip)(`Redis stores${skip ? ` (SKIPPED: ${redisMissing})` : ""}`, () => {
  let redis: RedisServer
  let a: Replica
  let b: Replica
  let admin: Redis
  let cacheA: PlexTokenCache
  let cacheB: PlexTokenCache

  beforeAll(async () => {
    redis = await startRedis()
    a = replica(redis.port)
    b = replica(redis.port)
    admin = new Redis({ host: "127.0.0.1", port: redis.port, lazyConnect: true })
    admin.on("error", () => {})
    await admin.connect()
    assert.isTrue(await connected(a))
    assert.isTrue(await connected(b))
    cacheA = await openCache(a)
    cacheB = await openCache(b)
  })

  afterAll(async () => {
    admin?.disconnect()
    await a?.runtime.dispose()
    await b?.runtime.dispose()
    await redis?.stop()
  })

  it("a cool-down one replica shuts is seen by the other; a longer one stays, a shorter one does not shorten it", async () => {
    assert.strictEqual((await b.run(enter())).openAt, 0)
    await a.run(shut("rateLimit", 1_500))
    const start = Date.now()
    const seen = await b.run(enter())
    assert.isAbove(seen.openAt, start + 1_000)
    assert.isAtMost(seen.openAt, start + 1_600)
    assert.strictEqual(seen.signInOpenAt, 0)
    await b.run(shut("rateLimit", 200)) // shorter: the 1.5 s stays
    assert.isAbove((await a.run(enter())).openAt, start + 1_000)
    await b.run(shut("rateLimit", 4_000)) // longer: it grows to 4 s
    const longer = await a.run(enter())
    assert.isAbove(longer.openAt, start + 3_000)
    assert.isAtMost(longer.openAt, Date.now() + 4_100)
    // a sign-in lock holds sign-ins only
    await a.run(shut("signIn", 3_000))
    assert.isAbove((await b.run(enter(true))).signInOpenAt, Date.now() + 2_000)
    await admin.del(`test-${redis.port}:gate:cooldown:${HOST}`, `test-${redis.port}:gate:signin:${HOST}`)
    assert.deepStrictEqual(await b.run(enter(true)), { openAt: 0, signInOpenAt: 0, admitAt: 0 })
  })

  it("many looks at an open host never close it", async () => {
    const views = await a.run(Effect.all(Array.from({ length: 50 }, () => enter()), { concurrency: 10 }))
    assert.isTrue(views.every((view) => view.openAt === 0))
  })

  it("the shared admission rate spreads a fleet's calls: 2 a second across both replicas", async () => {
    const c = replica(redis.port, { admission: { limit: 2, window: Duration.seconds(1) } })
    const d = replica(redis.port, { admission: { limit: 2, window: Duration.seconds(1) } })
    try {
      const start = Date.now()
      const views = [await c.run(enter()), await d.run(enter()), await c.run(enter()), await d.run(enter())]
      const waits = views.map((view) => view.admitAt === 0 ? 0 : view.admitAt - start)
      assert.deepStrictEqual(waits.slice(0, 2), [0, 0])
      assert.isAbove(waits[2]!, 300)
      assert.isAbove(waits[3]!, waits[2]!)
    } finally {
      await c.runtime.dispose()
      await d.runtime.dispose()
    }
  })

  it("the token cache: one request per token for both replicas, keyed by its SHA-256, no token in Redis", async () => {
    let requests = 0
    const request = Effect.sync(() => {
      requests++
      return user(TOKEN)
    }).pipe(Effect.delay("50 millis"))
    const [first, second] = await Promise.all([
      a.run(cacheA.lookup(Redacted.make(TOKEN), request)),
      b.run(cacheB.lookup(Redacted.make(TOKEN), request))
    ])
    assert.strictEqual(requests, 1)
    for (const answer of [first, second]) {
      assert.isTrue(Exit.isSuccess(answer.exit))
      const account = (answer.exit as Exit.Success<PlexUser, never>).value
      assert.strictEqual(account.username, "seven")
      assert.strictEqual(Redacted.value(account.authToken), TOKEN)
      assert.isAbove(answer.expiresAt, Date.now() + 4 * 60_000)
    }
    // the expiry is the first answer's, on both
    assert.strictEqual(first.expiresAt, second.expiresAt)
    const keys = await admin.keys("*")
    assert.isTrue(keys.some((key) => key.endsWith(keyOf(TOKEN))))
    for (const key of keys) {
      assert.notInclude(key, TOKEN)
      const type = await admin.type(key)
      if (type === "string") assert.notInclude((await admin.get(key)) ?? "", TOKEN)
    }
  })

  it("a dead token is shared as dead, and evict forgets a token for every replica", async () => {
    const token = "FAKEredisDeadToken02"
    let requests = 0
    const dead = Effect.suspend(() => {
      requests++
      return Effect.fail(new PlexUnauthorizedError({ status: 401, errors: [], reason: "InvalidToken" }))
    })
    const first = await a.run(cacheA.lookup(Redacted.make(token), dead))
    const second = await b.run(cacheB.lookup(Redacted.make(token), dead))
    assert.strictEqual(requests, 1)
    assert.isTrue(Exit.isFailure(first.exit) && Exit.isFailure(second.exit))
    assert.isAbove(second.expiresAt, Date.now() + 20_000)

    const evicted: Array<string | undefined> = []
    await b.run(Effect.forkDaemon(Effect.scoped(Effect.zipRight(
      cacheB.evictions((evictedToken) =>
        evicted.push(evictedToken === undefined ? undefined : Redacted.value(evictedToken))
      ),
      Effect.never
    ))))
    await new Promise((resolve) => setTimeout(resolve, 100))
    await a.run(cacheA.evict(Redacted.make(token)))
    await waitUntil("the eviction to reach the other replica", async () => evicted.includes(token))
    await b.run(cacheB.lookup(Redacted.make(token), dead))
    assert.strictEqual(requests, 2)
  })

  it("a token found dead by one replica is dropped from the others' memory", async () => {
    const token = "FAKEredisDyingToken5"
    const told: Array<string | undefined> = []
    await b.run(Effect.forkDaemon(Effect.scoped(Effect.zipRight(
      cacheB.evictions((evictedToken) =>
        told.push(evictedToken === undefined ? undefined : Redacted.value(evictedToken))
      ),
      Effect.never
    ))))
    await b.run(cacheB.lookup(Redacted.make(token), Effect.succeed(user(token))))
    // the shared entry and the lease of its lookup go (expired, say), and replica a then finds the token dead
    await admin.del(...(await admin.keys("*")).filter((key) => key.endsWith(keyOf(token))))
    const dead = Effect.fail(new PlexUnauthorizedError({ status: 401, errors: [], reason: "InvalidToken" }))
    const answer = await a.run(cacheA.lookup(Redacted.make(token), dead))
    assert.isTrue(Exit.isFailure(answer.exit))
    await waitUntil("the dead token to reach the other replica", async () => told.includes(token))
  })

  it("a failure that is not a dead token is not kept for later callers", async () => {
    const token = "FAKEredisFlakyToken3"
    let requests = 0
    const flaky = Effect.suspend(() => {
      requests++
      return requests === 1
        ? Effect.fail(new PlexTimeoutError({ timeout: Duration.seconds(1) }))
        : Effect.succeed(user(token))
    })
    const first = await a.run(cacheA.lookup(Redacted.make(token), flaky))
    assert.isTrue(Exit.isFailure(first.exit))
    assert.strictEqual(first.expiresAt, 0)
    const second = await b.run(cacheB.lookup(Redacted.make(token), flaky))
    assert.isTrue(Exit.isSuccess(second.exit))
    assert.strictEqual(requests, 2)
  })

  it("garbage in Redis: the lookup still answers, one warning, and the replica rejoins", async () => {
    const token = "FAKEredisGarbageTok4"
    const storeKeys = (await admin.keys("*")).filter((key) => key.includes(":tokens:") && key.endsWith(keyOf(TOKEN)))
    const prefix = storeKeys[0]!.slice(0, -keyOf(TOKEN).length)
    await admin.set(prefix + keyOf(token), "{not json")
    const before = a.warnings.length
    let requests = 0
    const answer = await a.run(cacheA.lookup(
      Redacted.make(token),
      Effect.sync(() => {
        requests++
        return user(token)
      })
    ))
    assert.isTrue(Exit.isSuccess(answer.exit))
    assert.strictEqual(requests, 1)
    assert.strictEqual(a.warnings.length, before + 1)
    assert.notInclude(a.warnings.at(-1)!, token)
    await admin.del(prefix + keyOf(token))
    await waitUntil("the replica to rejoin", () => connected(a))
  })

  it("a slow Redis holds no call up longer than the timeout; calls rejoin when it answers again", async () => {
    const before = a.warnings.length
    const blocker = new Redis({ host: "127.0.0.1", port: redis.port })
    blocker.on("error", () => {})
    const sleeping = blocker.call("DEBUG", "SLEEP", "1.5").catch(() => undefined)
    await new Promise((resolve) => setTimeout(resolve, 100))
    const start = Date.now()
    const view = await a.run(enter())
    const took = Date.now() - start
    assert.deepStrictEqual(view, { openAt: 0, signInOpenAt: 0, admitAt: 0 })
    assert.isBelow(took, 1_200, `enter took ${took} ms`)
    assert.strictEqual(a.warnings.length, before + 1)
    // while it is down, calls do not touch Redis: at once
    const again = Date.now()
    await a.run(enter())
    assert.isBelow(Date.now() - again, 200)
    await sleeping
    blocker.disconnect()
    await waitUntil("the replica to rejoin", () => connected(a))
  })

  it("no Redis at all: the layer builds, warns once, and every call answers at once", async () => {
    const port = await freePort()
    const lonely = replica(port)
    try {
      assert.isFalse(await connected(lonely))
      const start = Date.now()
      assert.deepStrictEqual(await lonely.run(enter()), { openAt: 0, signInOpenAt: 0, admitAt: 0 })
      await lonely.run(shut("rateLimit", 1_000))
      const cache = await openCache(lonely)
      const answer = await lonely.run(cache.lookup(Redacted.make(TOKEN), Effect.succeed(user(TOKEN))))
      assert.isTrue(Exit.isSuccess(answer.exit))
      assert.isBelow(Date.now() - start, 500)
      assert.strictEqual(lonely.warnings.length, 1)
    } finally {
      await lonely.runtime.dispose()
    }
  })
})
