/**
 * @since 0.3.0
 */
import * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"

/**
 * Whether `PlexClient` records {@link PlexMetrics.requests} and {@link PlexMetrics.duration}.
 *
 * @since 0.3.0
 * @category models
 * @example
 * import type { PlexMetricsSettings } from "@effect-plex/core"
 *
 * const on: PlexMetricsSettings = { enabled: true }
 */
export interface PlexMetricsSettings {
  readonly enabled: boolean
}

/**
 * The outcome label of a call: `"success"`, the `_tag` of the typed error it failed with
 * (`"PlexUnauthorizedError"`, …), `"interrupted"`, or `"defect"`.
 *
 * @since 0.3.0
 * @category models
 * @example
 * import type { PlexMetricsOutcome } from "@effect-plex/core"
 *
 * const outcome: PlexMetricsOutcome = "PlexRateLimitError"
 */
export type PlexMetricsOutcome = string

/** Milliseconds: plex.tv answers in tens to hundreds of them; the deadline is tens of seconds. */
const durationBoundaries = MetricBoundaries.fromIterable([5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000])

/**
 * The metrics of the plex.tv calls, made with Effect's `Metric`: one count and one latency per
 * call of `PlexClient.execute` (its retries included), labelled with `operation` (the endpoint's
 * name, `PlexAuth.signIn`, …) and `outcome` ({@link PlexMetricsOutcome}).
 *
 * Off unless asked for: provide {@link PlexMetrics.layer} to the layer that builds `PlexClient`
 * (read once, when the client is built; a client built without it pays nothing per call). Read
 * the values with `Metric.value` / `Metric.snapshot`, or export them with `@effect/opentelemetry`.
 *
 * @since 0.3.0
 * @category tags
 * @example
 * import { PlexClient, PlexConfig, PlexMetrics } from "@effect-plex/core"
 * import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
 * import * as Layer from "effect/Layer"
 *
 * const ClientWithMetrics = PlexClient.layer.pipe(
 *   Layer.provide(PlexConfig.layer({ client: { clientIdentifier: "3f1c0f0e-6a53", product: "my-app" } })),
 *   Layer.provide(FetchHttpClient.layer),
 *   Layer.provide(PlexMetrics.layer)
 * )
 */
export class PlexMetrics extends Context.Reference<PlexMetrics>()("@effect-plex/core/PlexMetrics", {
  defaultValue: (): PlexMetricsSettings => ({ enabled: false })
}) {
  /**
   * Calls of `PlexClient.execute`, by `operation` and `outcome`. One per call, however many
   * attempts it took.
   *
   * @since 0.3.0
   * @example
   * import { PlexMetrics } from "@effect-plex/core"
   * import * as Effect from "effect/Effect"
   * import * as Metric from "effect/Metric"
   *
   * const signIns = Metric.value(
   *   PlexMetrics.requests.pipe(Metric.tagged("operation", "PlexAuth.signIn"), Metric.tagged("outcome", "success"))
   * ).pipe(Effect.map((state) => state.count))
   */
  static readonly requests = Metric.counter("plex.client.requests", {
    description: "calls to plex.tv, by operation and outcome (one per call, its retries included)",
    incremental: true
  })

  /**
   * How long each call of `PlexClient.execute` took in milliseconds, from its start to its answer
   * or error (waits at the rate-limit gate and retries included), by `operation` and `outcome`.
   *
   * @since 0.3.0
   * @example
   * import { PlexMetrics } from "@effect-plex/core"
   * import * as Effect from "effect/Effect"
   * import * as Metric from "effect/Metric"
   *
   * const slowest = Metric.value(
   *   PlexMetrics.duration.pipe(Metric.tagged("operation", "PlexAuth.signIn"), Metric.tagged("outcome", "success"))
   * ).pipe(Effect.map((state) => state.max))
   */
  static readonly duration = Metric.histogram(
    "plex.client.request.duration",
    durationBoundaries,
    "duration of calls to plex.tv in milliseconds, by operation and outcome"
  )

  /**
   * Turns the metrics on for the `PlexClient` built with this layer provided.
   *
   * @since 0.3.0
   * @example
   * import { PlexMetrics } from "@effect-plex/core"
   * import { PlexNode } from "@effect-plex/node"
   * import * as Layer from "effect/Layer"
   *
   * const Live = PlexNode.layer.pipe(Layer.provide(PlexMetrics.layer))
   */
  static readonly layer: Layer.Layer<PlexMetrics> = Layer.succeed(PlexMetrics, { enabled: true })
}
