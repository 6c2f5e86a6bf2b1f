/**
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"

/**
 * What a shared gate store knows of one plex.tv host, as times on this process's clock
 * (milliseconds since the epoch; `0`, or any past time, when nothing holds the call back).
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexGateView } from "@effect-plex/core"
 *
 * const open: PlexGateView = { openAt: 0, signInOpenAt: 0, admitAt: 0 }
 * console.log(open.openAt)
 */
export interface PlexGateView {
  /** No call goes to the host before this time (a 429's cool-down that any replica saw). */
  readonly openAt: number
  /** Sign-ins fail at once before this time (a 1031 lock that any replica saw). */
  readonly signInOpenAt: number
  /** This call's turn in the shared admission rate (a budget of requests per host for the whole fleet). */
  readonly admitAt: number
}

/**
 * Where the rate-limit gate of a `PlexClient` shares its state with other processes. Without one
 * the gate is in memory, per process, and costs one synchronous check per call. With one, a call
 * first asks the store (`enter`) and each 429 or 1031 a replica sees is told to it (`shut`), so
 * every replica behind one address honours the same cool-down.
 *
 * A store never fails and never hangs: when its backend is down, slow or answers garbage it
 * answers "open" at once (the in-memory gate of each process still applies) and logs the outage.
 * `@effect-plex/node/redis` has one on Redis.
 *
 * @since 0.2.0
 * @category models
 * @example
 * import type { PlexGateStoreService } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 *
 * // a store that shares nothing: every process keeps its own gate
 * const none: PlexGateStoreService = {
 *   enter: () => Effect.succeed({ openAt: 0, signInOpenAt: 0, admitAt: 0 }),
 *   shut: () => Effect.void
 * }
 */
export interface PlexGateStoreService {
  /**
   * The fleet's view of `host` (the configured base URL) for one call about to be sent; `signIn`
   * for a password sign-in. Takes the call's turn in the admission rate, if the store has one.
   */
  readonly enter: (host: string, signIn: boolean) => Effect.Effect<PlexGateView>
  /**
   * Shuts `host` for every replica for `millis` (already cut to `maxRetryAfter`): `"rateLimit"`
   * after a 429, `"signIn"` (sign-ins only) after a 1031. A longer cool-down already there stays.
   */
  readonly shut: (host: string, lock: "rateLimit" | "signIn", millis: number) => Effect.Effect<void>
}

/**
 * The shared store of the rate-limit gate, read by `PlexClient.make` when it is in context. Leave it
 * out for a gate of one process (the default).
 *
 * @since 0.2.0
 * @category tags
 * @example
 * import { PlexGateStore } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 *
 * const Unshared = Layer.succeed(PlexGateStore, {
 *   enter: () => Effect.succeed({ openAt: 0, signInOpenAt: 0, admitAt: 0 }),
 *   shut: () => Effect.void
 * })
 */
export class PlexGateStore extends Context.Tag("@effect-plex/core/PlexGateStore")<
  PlexGateStore,
  PlexGateStoreService
>() {}
