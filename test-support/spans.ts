/** Span recording for tests that check what a tracer would export. */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Tracer from "effect/Tracer"
import { inspect } from "node:util"

/** Runs `effect` with a tracer that keeps every span it starts. */
export const withRecordedSpans = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const spans: Array<Tracer.Span> = []
    const base = yield* Effect.tracer
    const tracer = Tracer.make({
      span: (...args) => {
        const span = base.span(...args)
        spans.push(span)
        return span
      },
      context: (f, fiber) => base.context(f, fiber)
    })
    const exit = yield* Effect.exit(Effect.withTracer(effect, tracer))
    return { exit, spans }
  })

/** What a tracer exports of a span: name, attributes, events, and the failure of a failed span. */
export const spanText = (span: Tracer.Span) =>
  inspect({
    name: span.name,
    attributes: [...span.attributes],
    events: "events" in span ? span.events : [],
    failure: span.status._tag === "Ended" && Exit.isFailure(span.status.exit)
      ? Cause.pretty(span.status.exit.cause)
      : ""
  }, { depth: 20 })
