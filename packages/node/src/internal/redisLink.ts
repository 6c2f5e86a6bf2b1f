import * as Persistence from "@effect/experimental/Persistence"
import * as RedisPersistence from "@effect/experimental/Persistence/Redis"
import * as RateLimiter from "@effect/experimental/RateLimiter"
import * as RedisRateLimiter from "@effect/experimental/RateLimiter/Redis"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { Redis, type RedisOptions } from "ioredis"

/**
 * The link of one process to Redis, and what happens when Redis goes away.
 *
 * - Redis is reached through `@effect/experimental`'s stores (`RateLimiter` with its Redis store,
 *   `ResultPersistence` with its Redis backing), built together as one "generation" in a scope
 *   of its own. Their connections never reconnect by themselves (`retryStrategy: null`) and bound
 *   every command (`commandTimeout`, `connectTimeout`): a dead or slow Redis fails a call in at
 *   most `timeout`, never hangs it.
 * - Any failure of a call (an error, a timeout, an answer that does not decode) ends the
 *   generation: one `Warning` is logged for the outage, its connections are closed, and every
 *   call falls back to the in-memory gate and cache at once, without touching Redis.
 * - A connection of this module's own (`monitor`, with an error listener, so ioredis prints
 *   nothing) keeps reconnecting in the background. While no generation is up, a probe pings it
 *   every `probe`; when Redis answers, a new generation is built and calls rejoin the fleet (an
 *   `Info` is logged).
 * - Evictions go out on a pub/sub channel through `monitor`; a second connection of our own
 *   listens (ioredis subscribes again by itself after a reconnect).
 */

export interface LinkOptions {
  readonly redis: RedisOptions
  /** Prepended to every key and channel. */
  readonly prefix: string
  /** The longest one Redis call may take. */
  readonly timeout: number
  /** How often a lost Redis is tried again. */
  readonly probe: number
  /** How long building the link waits for Redis before starting without it. */
  readonly connect: number
}

/** One set of connections to Redis: used until a call through it fails. */
export interface Generation {
  readonly limiter: RateLimiter.RateLimiter
  readonly persistence: Persistence.ResultPersistence
  readonly scope: Scope.Scope
  /** Values built on this generation (a `PersistedCache`), dropped with it. */
  readonly memo: Map<string, unknown>
}

export interface Link {
  readonly options: LinkOptions
  /** The generation calls use now; `undefined` during an outage. */
  readonly current: () => Generation | undefined
  /**
   * Runs `effect` on `generation`. A failure or defect (never an interruption) ends the
   * generation and gives `Option.none()`: the caller falls back to memory.
   */
  readonly run: <A, E>(
    generation: Generation,
    what: string,
    effect: Effect.Effect<A, E>
  ) => Effect.Effect<Option.Option<A>>
  /** Tells every replica (this one too) a message on `channel`, if Redis is up; never fails. */
  readonly publish: (channel: string, message: string) => Effect.Effect<void>
  /** Calls `listener` with each message on `channel` while the scope is open. */
  readonly subscribe: (channel: string, listener: (message: string) => void) => Effect.Effect<void, never, Scope.Scope>
}

/** What an error is, for a log line: its code or name, never its message (it may quote a value). */
const reasonOf = (cause: Cause.Cause<unknown>): string => {
  const failure = Option.orElse(Cause.failureOption(cause), () => Cause.dieOption(cause))
  if (Option.isNone(failure)) return "interrupted"
  let error: unknown = failure.value
  for (let depth = 0; depth < 4 && typeof error === "object" && error !== null; depth++) {
    const code = (error as { readonly code?: unknown }).code
    if (typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code
    const message = (error as { readonly message?: unknown }).message
    if (typeof message === "string" && /timed out/i.test(message)) return "timeout"
    if (typeof message === "string" && /connection is closed/i.test(message)) return "connection closed"
    const reason = (error as { readonly reason?: unknown }).reason
    if (reason === "ParseError") return "an answer that does not decode"
    error = (error as { readonly cause?: unknown }).cause ?? (error as { readonly error?: unknown }).error
  }
  return "unexpected answer"
}

const ownOptions = (options: LinkOptions): RedisOptions => ({
  ...options.redis,
  connectTimeout: options.timeout,
  commandTimeout: options.timeout,
  maxRetriesPerRequest: 0
})

/** Where Redis is, for a log line: host and port, never a password. */
const whereOf = (redis: RedisOptions): string => `${redis.host ?? "127.0.0.1"}:${redis.port ?? 6379}`

export const makeLink = (options: LinkOptions): Effect.Effect<Link, never, Scope.Scope> =>
  Effect.gen(function*() {
    const where = whereOf(options.redis)
    const quiet = (redis: Redis) => {
      redis.on("error", () => {})
      return redis
    }
    const close = (redis: Redis) => Effect.sync(() => redis.disconnect(false))
    // ours: reconnects by itself, fails commands at once while it is not connected
    const monitor = yield* Effect.acquireRelease(
      Effect.sync(() =>
        quiet(
          new Redis({
            ...ownOptions(options),
            enableOfflineQueue: false,
            retryStrategy: (times) => Math.min(50 * times, options.probe)
          })
        )
      ),
      close
    )

    let generation: Generation | undefined
    let building = false
    const scopeOfLink = yield* Effect.scope

    const storesLayer = Layer.mergeAll(
      RateLimiter.layer.pipe(
        Layer.provide(
          RedisRateLimiter.layerStore({
            ...ownOptions(options),
            retryStrategy: () => null,
            prefix: `${options.prefix}gate:`
          })
        )
      ),
      RedisPersistence.layerResult({ ...ownOptions(options), retryStrategy: () => null, keyPrefix: options.prefix })
    )

    const closeGeneration = (gen: Generation) =>
      // a connection that is already closed makes `quit` reject: nothing to report
      Effect.forkDaemon(Effect.exit(Scope.close(gen.scope as Scope.CloseableScope, Exit.void)))

    const build = Effect.gen(function*() {
      const scope = yield* Scope.fork(scopeOfLink, ExecutionStrategy.sequential)
      const context = yield* Layer.buildWithScope(storesLayer, scope)
      return {
        limiter: Context.get(context, RateLimiter.RateLimiter),
        persistence: Context.get(context, Persistence.ResultPersistence),
        scope,
        memo: new Map<string, unknown>()
      } satisfies Generation
    })

    /** Redis answers `monitor` again: a new generation, if none is being built. */
    const rejoin = (first: boolean) =>
      Effect.suspend(() => {
        if (generation !== undefined || building) return Effect.void
        building = true
        return Effect.tryPromise(() => monitor.ping()).pipe(
          Effect.zipRight(build),
          Effect.tap((gen) =>
            Effect.suspend(() => {
              generation = gen
              return first
                ? Effect.logDebug(`Redis at ${where}: shared gate and token cache on`)
                : Effect.logInfo(`Redis at ${where} is back: the shared gate and token cache are on again`)
            })
          ),
          Effect.ignore,
          Effect.ensuring(Effect.sync(() => {
            building = false
          }))
        )
      })

    const lose = (gen: Generation, what: string, cause: Cause.Cause<unknown>) =>
      Effect.suspend(() => {
        if (generation !== gen) return Effect.void
        generation = undefined
        gen.memo.clear()
        return Effect.zipRight(
          closeGeneration(gen),
          Effect.logWarning(
            `Redis at ${where} failed (${what}: ${
              reasonOf(cause)
            }): falling back to this process's own gate and token cache until it is back`
          ).pipe(Effect.annotateLogs({ "redis.host": where }))
        )
      })

    // the first generation: waited for, so a process that starts with Redis up joins the fleet
    // before its first call; at most `connect`, and no longer than the first refusal (no Redis there)
    yield* Effect.race(
      Effect.async<void>((resume) => {
        if (monitor.status === "ready") return resume(Effect.void)
        const onDone = () => resume(Effect.void)
        monitor.once("ready", onDone)
        monitor.once("error", onDone)
        return Effect.sync(() => {
          monitor.off("ready", onDone)
          monitor.off("error", onDone)
        })
      }),
      Effect.sleep(Duration.millis(options.connect))
    )
    yield* rejoin(true)
    if (generation === undefined) {
      yield* Effect.logWarning(
        `Redis at ${where} is not reachable: using this process's own gate and token cache until it is`
      ).pipe(Effect.annotateLogs({ "redis.host": where }))
    }
    // the probe: while there is no generation, try again every `probe`
    yield* Effect.forkIn(
      Effect.repeat(rejoin(false), Schedule.spaced(Duration.millis(options.probe))),
      scopeOfLink
    )
    yield* Effect.addFinalizer(() =>
      Effect.suspend(() =>
        generation === undefined
          ? Effect.void
          : Effect.exit(Scope.close(generation.scope as Scope.CloseableScope, Exit.void))
      )
    )

    const run = <A, E>(gen: Generation, what: string, effect: Effect.Effect<A, E>): Effect.Effect<Option.Option<A>> =>
      Effect.matchCauseEffect(effect, {
        onSuccess: (a) => Effect.succeed(Option.some(a)),
        onFailure: (cause) =>
          Cause.isInterruptedOnly(cause)
            ? Effect.failCause(cause as Cause.Cause<never>)
            : Effect.as(lose(gen, what, cause), Option.none())
      })

    const subscriber = yield* Effect.acquireRelease(
      Effect.sync(() =>
        quiet(new Redis({ ...ownOptions(options), retryStrategy: (times) => Math.min(50 * times, options.probe) }))
      ),
      close
    )
    const listeners = new Map<string, Set<(message: string) => void>>()
    subscriber.on("message", (channel: string, message: string) => {
      const set = listeners.get(channel)
      if (set !== undefined) { for (const listener of set) listener(message) }
    })

    return {
      options,
      current: () => generation,
      run,
      publish: (channel, message) =>
        Effect.suspend(() => {
          if (generation === undefined) return Effect.void
          const gen = generation
          return Effect.asVoid(
            run(gen, "publish", Effect.tryPromise(() => monitor.publish(options.prefix + channel, message)))
          )
        }),
      subscribe: (channel, listener) =>
        Effect.acquireRelease(
          Effect.sync(() => {
            const name = options.prefix + channel
            let set = listeners.get(name)
            if (set === undefined) {
              set = new Set()
              listeners.set(name, set)
              subscriber.subscribe(name).catch(() => {})
            }
            set.add(listener)
            return { name, set }
          }),
          ({ set }) => Effect.sync(() => void set.delete(listener))
        ).pipe(Effect.asVoid)
    } satisfies Link
  }).pipe(Effect.annotateLogs({ module: "@effect-plex/node/redis" }))
