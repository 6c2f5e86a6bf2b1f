/**
 * Retries and timeouts are ordinary Effect operators around the calls:
 *
 * - `PlexConfig.layer` sets the per-attempt timeout and the library's own retries of idempotent
 *   calls (here: turned off, so the retries you see are ours);
 * - `Effect.retry({ while: PlexError.isRetryable, schedule })` is a retry policy of your own;
 * - `Effect.timeout` bounds the whole thing, retries included;
 * - `Effect.catchTags` handles every error tag (the compiler checks each is a real one).
 *
 * Offline, the local fake plex.tv is rate limited to one request per second, so a retry happens.
 *
 *   pnpm example examples/retry-timeout.ts                   # against a local fake plex.tv, offline
 *   PLEX_TOKEN=… pnpm example examples/retry-timeout.ts      # one call to the real plex.tv
 *
 * Never wrap `signIn` in a retry: each failed sign-in counts toward plex.tv's lockout.
 */
import { PlexAuth, type PlexAuthError, PlexConfig, PlexError } from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_TOKEN")

/**
 * `PlexConfig` with our own timeout and retries. The base URL and client identity stay as
 * `PlexNode.layer` read them from the environment; in an app of your own you would write them out:
 * `PlexConfig.layer({ client: { clientIdentifier: "…", product: "my-app" }, timeout: "3 seconds", … })`.
 */
const TunedConfig = Layer.unwrapEffect(
  Effect.map(PlexConfig, ({ baseUrl, client }) =>
    PlexConfig.layer({
      baseUrl,
      client,
      timeout: "3 seconds", // per attempt
      retry: { times: 0 } // no automatic retries: we add our own below
    }))
)

/**
 * `PlexAuth` built on the tuned config. `Layer.fresh`, because layers are shared by reference:
 * `PlexNode.layer` already built one from `PlexAuth.layer`, on the environment's config.
 */
const TunedAuth = Layer.fresh(PlexAuth.layer).pipe(Layer.provideMerge(TunedConfig))

/** Exponential backoff from 400 ms with jitter, but never sooner than plex.tv's `Retry-After` asks. */
const backoff = Schedule.exponential("400 millis").pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.identity<PlexAuthError>()), // puts the error in the output, for modifyDelay
  Schedule.modifyDelay(([, error], delay) =>
    error._tag === "PlexRateLimitError" ? Duration.max(delay, Option.getOrElse(error.retryAfter, () => delay)) : delay
  )
)

/**
 * Our policy: retry only the failures worth another try, at most 4 times; give up when the overall
 * budget runs out, every attempt and wait included.
 */
const resilient = <A, R>(call: Effect.Effect<A, PlexAuthError, R>, budget: Duration.DurationInput) =>
  call.pipe(
    Effect.retry({ while: PlexError.isRetryable, schedule: backoff, times: 4 }),
    Effect.timeout(budget) // fails with a TimeoutException
  )

/** One call, retried and timed out, with every attempt and its outcome printed. */
const accountName = (token: Redacted.Redacted<string>, budget: Duration.DurationInput = "4 seconds") =>
  Effect.gen(function*() {
    const auth = yield* PlexAuth
    const started = Date.now()
    let attempts = 0
    const attempt = Effect.suspend(() => {
      attempts++
      return auth.getTokenDetails(token)
    }).pipe(
      Effect.tapError((error) =>
        Console.log(
          `  attempt ${attempts}: ${error._tag}: ${error.message}${PlexError.isRetryable(error) ? ", will retry" : ""}`
        )
      )
    )
    const elapsed = () => Duration.format(Duration.millis(Date.now() - started))
    return yield* resilient(attempt, budget).pipe(
      Effect.map((user) => `${user.username ?? user.id} after ${attempts} attempt(s), ${elapsed()}`),
      Effect.catchTags({
        PlexUnauthorizedError: (error) => Effect.succeed(`refused (${error.reason}): sign in again`),
        PlexRateLimitError: () => Effect.succeed("still rate limited after every retry"),
        PlexHttpError: (error) => Effect.succeed(`plex.tv answered HTTP ${error.status}`),
        PlexTransportError: (error) => Effect.succeed(`plex.tv unreachable (${error.reason})`),
        PlexTimeoutError: (error) => Effect.succeed(`no answer within ${Duration.format(error.timeout)} per attempt`),
        PlexBadRequestError: (error) => Effect.succeed(`request rejected (${error.message}): check the config`),
        PlexDecodeError: (error) => Effect.succeed(`unexpected answer at ${error.paths.join(", ")}`),
        TimeoutException: () => Effect.succeed(`gave up after ${attempts} attempt(s): the overall budget ran out`)
      })
    )
  })

const describeConfig = Effect.map(
  PlexConfig,
  ({ retry, timeout }) => `per-attempt timeout ${Duration.format(timeout)}, automatic retries ${retry.times}`
)

const realRun = Effect.gen(function*() {
  yield* Console.log(`Reading the account behind PLEX_TOKEN from plex.tv (${yield* describeConfig})`)
  yield* Console.log(`  outcome: ${yield* accountName(yield* Config.redacted("PLEX_TOKEN"))}`)
})

const localRun = Effect.gen(function*() {
  const fake = yield* PlexTvFake
  const { baseUrl } = yield* PlexConfig
  const owner = Redacted.make("FAKEtokenOwner000001") // the local fake's owner token
  yield* Console.log(`Retries and timeouts against the local fake plex.tv at ${baseUrl}`)
  yield* Console.log(`  ${yield* describeConfig}`)
  yield* Console.log("  our retries: at most 4, exponential from 400 ms or Retry-After; overall budget 4s")

  yield* Console.log("\n1. plex.tv allows one request per second (429 with Retry-After: 1 past it):")
  yield* fake.configure({ rateLimit: { limit: 1, windowMillis: 1000, retryAfterSeconds: 1 } })
  yield* Console.log(`  first call:  ${yield* accountName(owner)}`)
  yield* Console.log(`  second call: ${yield* accountName(owner)}`)

  yield* Console.log("\n2. A dead token is not worth a retry:")
  yield* fake.configure({ rateLimit: undefined })
  yield* Console.log(`  outcome: ${yield* accountName(Redacted.make("not-a-valid-token"))}`)

  yield* Console.log("\n3. plex.tv refuses every request (Retry-After: 60), overall budget 1 second:")
  yield* fake.configure({ rateLimit: { limit: 0, windowMillis: 60_000, retryAfterSeconds: 60 } })
  yield* Console.log(`  outcome: ${yield* accountName(owner, "1 second")}`)
})

NodeRuntime.runMain(
  real
    ? realRun.pipe(Effect.provide(TunedAuth.pipe(Layer.provideMerge(PlexNode.layer))))
    : localRun.pipe(Effect.provide(TunedAuth.pipe(Layer.provideMerge(localPlexNode))))
)
