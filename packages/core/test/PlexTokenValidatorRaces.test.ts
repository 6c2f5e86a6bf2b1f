/**
 * `PlexTokenValidator` against a `PlexAuth` whose answers the test hands out one by one: callers
 * interrupted while others wait, evictions while a lookup is in flight, and random interleavings
 * of both checked against a model.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as TestClock from "effect/TestClock"
import {
  PlexAuth,
  type PlexAuthError,
  type PlexAuthService,
  PlexInvalidInputError,
  PlexTokenValidator,
  type PlexTokenValidatorOptions,
  type PlexTokenValidatorService,
  PlexTransportError,
  PlexUnauthorizedError,
  PlexUser
} from "@effect-plex/core"
import { recordingTracer, userJson } from "./utils.js"

// ---------------------------------------------------------------------------------------------
// A PlexAuth whose getTokenDetails answers only when told to

/** One `getTokenDetails` request. The account it answers with has id `1000 + n`. */
interface Call {
  readonly n: number
  readonly token: string
  readonly reply: Deferred.Deferred<PlexUser, PlexAuthError>
  /** "created" until the request's effect runs, "running" while it waits for `reply`. */
  state: "created" | "running" | "answered" | "interrupted"
}

const userOf = (n: number) => Schema.decodeUnknownSync(PlexUser)(userJson({ id: 1000 + n }))
const invalidToken = new PlexUnauthorizedError({ status: 401, errors: [], reason: "InvalidToken" })
const transport = new PlexTransportError({ reason: "Transport" })
const refusedToken = new PlexInvalidInputError({ argument: "token", reason: "contains a line break" })

const unused = () => Effect.dieMessage("not used by the validator")

const makeStub = Effect.gen(function*() {
  const started = yield* Queue.unbounded<Call>()
  /** Every request, recorded as soon as the validator asks for it. */
  const calls: Array<Call> = []
  const settings: {
    /** When set, requests answer at once with this instead of waiting for `reply`. */
    answer: ((call: Call) => Exit.Exit<PlexUser, PlexAuthError>) | undefined
    /** When set, an interrupted request runs this before it ends (a slow clean-up). */
    stopping: Effect.Effect<void> | undefined
  } = { answer: undefined, stopping: undefined }
  const service: PlexAuthService = {
    getTokenDetails: (token) => {
      const call: Call = {
        n: calls.length + 1,
        token: Redacted.value(token),
        reply: Deferred.unsafeMake(FiberId.none),
        state: "created"
      }
      calls.push(call)
      return Effect.suspend(() => {
        call.state = "running"
        Queue.unsafeOffer(started, call)
        return settings.answer ? settings.answer(call) : Deferred.await(call.reply)
      }).pipe(
        Effect.onInterrupt(() => settings.stopping ?? Effect.void),
        Effect.onExit((exit) =>
          Effect.sync(() => {
            call.state = Exit.isInterrupted(exit) ? "interrupted" : "answered"
          })
        ),
        Effect.withSpan("stub.getTokenDetails")
      )
    },
    signIn: unused,
    signOut: unused,
    ping: unused
  }
  return { service, calls, settings, next: Queue.take(started) }
})

const defaults: PlexTokenValidatorOptions = { timeToLive: "1 minute", invalidTimeToLive: "10 seconds" }

/** A validator over a fresh stub, living as long as the test's scope. */
const setup = (options: PlexTokenValidatorOptions = defaults) =>
  Effect.gen(function*() {
    const stub = yield* makeStub
    const validator = yield* PlexTokenValidator.make(options).pipe(Effect.provideService(PlexAuth, stub.service))
    return { stub, validator }
  })

const tokenA = Redacted.make("token-A")
const tokenB = Redacted.make("token-B")

/**
 * Waits until a forked caller has run as far as it can: it is either done or waiting. (A fiber
 * answers `status` only once it has worked through the messages before it, its start included.)
 */
const settled = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) => Effect.asVoid(Fiber.status(fiber))

const forkValidate = (
  validator: PlexTokenValidatorService,
  token: Redacted.Redacted<string>
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(validator.validate(token))
    yield* settled(fiber)
    return fiber
  })

/** The typed failure of an exit; fails the test on anything else. */
const errorOf = <A>(exit: Exit.Exit<A, PlexAuthError>): PlexAuthError =>
  Option.getOrElse(
    Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none(),
    () => assert.fail(`expected a typed failure, got ${String(exit)}`)
  )

/** Same kind and message (a failed `Effect` may hand out a span-carrying proxy of the error, not the error itself). */
const assertError = (actual: PlexAuthError, expected: PlexAuthError) =>
  assert.deepStrictEqual([actual._tag, actual.message], [expected._tag, expected.message])

const idOf = (exit: Exit.Exit<PlexUser, PlexAuthError>) => {
  if (Exit.isSuccess(exit)) return exit.value.id
  return assert.fail(`expected an account, got ${exit.cause._tag}`)
}

// ---------------------------------------------------------------------------------------------

describe("PlexTokenValidator: one caller's interruption is nobody else's", () => {
  it.scoped("interrupting the caller that started the lookup leaves the others with the account", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      const first = yield* forkValidate(validator, tokenA)
      const call = yield* stub.next
      const others = [yield* forkValidate(validator, tokenA), yield* forkValidate(validator, tokenA)]

      yield* Fiber.interrupt(first)
      assert.strictEqual(call.state, "running")
      yield* Deferred.succeed(call.reply, userOf(call.n))

      for (const other of others) assert.strictEqual(idOf(yield* Fiber.await(other)), 1001)
      assert.strictEqual(stub.calls.length, 1)
      assert.strictEqual((yield* validator.validate(tokenA)).id, 1001) // and it was cached
      assert.strictEqual(stub.calls.length, 1)
    }))

  it.scoped("interrupting one of the callers that joined leaves the rest with a typed error", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      const waiters = [yield* forkValidate(validator, tokenA), yield* forkValidate(validator, tokenA)]
      const call = yield* stub.next
      const late = yield* forkValidate(validator, tokenA)

      yield* Fiber.interrupt(late)
      yield* Deferred.fail(call.reply, transport)

      for (const waiter of waiters) {
        assertError(errorOf(yield* Fiber.await(waiter)), transport)
      }
      assert.strictEqual(stub.calls.length, 1)
    }))

  it.scoped("when every caller is interrupted, so is the lookup, and nothing is cached", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      const waiters = [yield* forkValidate(validator, tokenA), yield* forkValidate(validator, tokenA)]
      const call = yield* stub.next

      yield* Fiber.interrupt(waiters[1]!)
      assert.strictEqual(call.state, "running") // one caller still wants it
      yield* Fiber.interrupt(waiters[0]!)
      assert.strictEqual(call.state, "interrupted") // already stopped when the interruption returns
      assert.strictEqual(yield* validator.size, 0)

      // the next caller starts a lookup of its own instead of joining the abandoned one
      const next = yield* forkValidate(validator, tokenA)
      const again = yield* stub.next
      assert.strictEqual(again.n, 2)
      yield* Deferred.succeed(again.reply, userOf(again.n))
      assert.strictEqual(idOf(yield* Fiber.await(next)), 1002)
    }))

  it.scoped("a caller arriving while an abandoned lookup is still stopping starts a lookup of its own", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      const stopping = yield* Deferred.make<void>()
      const stopped = yield* Deferred.make<void>()
      yield* Effect.addFinalizer(() => Deferred.succeed(stopped, undefined)) // never left stuck, even on failure
      stub.settings.stopping = Deferred.succeed(stopping, undefined).pipe(Effect.zipRight(Deferred.await(stopped)))
      const first = yield* forkValidate(validator, tokenA)
      yield* stub.next
      const interruption = yield* Effect.fork(Fiber.interrupt(first))
      yield* Deferred.await(stopping) // the abandoned request is winding down, slowly

      const second = yield* forkValidate(validator, tokenA)
      assert.strictEqual(stub.calls.length, 2) // not joined to the dying lookup
      const call = yield* stub.next
      yield* Deferred.succeed(stopped, undefined)
      yield* Fiber.join(interruption)
      yield* Deferred.succeed(call.reply, userOf(call.n))
      assert.strictEqual(idOf(yield* Fiber.await(second)), 1002)
      assert.strictEqual((yield* validator.validate(tokenA)).id, 1002)
    }))

  it.effect("closing the validator's scope interrupts its lookups in flight", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const { stub, validator } = yield* Scope.extend(setup(), scope)
      const waiter = yield* forkValidate(validator, tokenA)
      const call = yield* stub.next

      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(call.state, "interrupted")
      assert.isTrue(Exit.isInterrupted(yield* Fiber.await(waiter))) // ended, not left hanging
    }))
})

describe("PlexTokenValidator: evict wins over a lookup in flight", () => {
  it.scoped("evict during a lookup: its callers get the answer, the cache does not keep it", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      const waiter = yield* forkValidate(validator, tokenA)
      const call = yield* stub.next

      yield* validator.evict(tokenA)
      yield* Deferred.succeed(call.reply, userOf(call.n))
      assert.strictEqual(idOf(yield* Fiber.await(waiter)), 1001)
      assert.strictEqual(yield* validator.size, 0)

      stub.settings.answer = (call) => Exit.succeed(userOf(call.n))
      assert.strictEqual((yield* validator.validate(tokenA)).id, 1002) // plex.tv was asked again
      assert.strictEqual(stub.calls.length, 2)
    }))

  it.scoped("evictAll during lookups: none of their answers is kept", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      const waiters = [yield* forkValidate(validator, tokenA), yield* forkValidate(validator, tokenB)]
      const calls = [yield* stub.next, yield* stub.next]

      yield* validator.evictAll
      for (const call of calls) yield* Deferred.succeed(call.reply, userOf(call.n))
      for (const waiter of waiters) yield* Fiber.await(waiter)
      assert.strictEqual(yield* validator.size, 0)

      stub.settings.answer = (call) => Exit.succeed(userOf(call.n))
      yield* validator.validate(tokenA)
      yield* validator.validate(tokenB)
      assert.strictEqual(stub.calls.length, 4)
    }))

  it.scoped("an invalid-token answer that started before an eviction is not kept either", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      const waiter = yield* forkValidate(validator, tokenA)
      const call = yield* stub.next

      yield* validator.evict(tokenA)
      yield* Deferred.fail(call.reply, invalidToken)
      assertError(errorOf(yield* Fiber.await(waiter)), invalidToken)

      stub.settings.answer = (call) => Exit.succeed(userOf(call.n))
      assert.strictEqual((yield* validator.validate(tokenA)).id, 1002)
    }))

  it.scoped("a lookup from before the eviction never replaces the one started after it", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      const before = yield* forkValidate(validator, tokenA)
      const old = yield* stub.next
      yield* validator.evict(tokenA)
      const after = yield* forkValidate(validator, tokenA)
      const fresh = yield* stub.next
      assert.strictEqual(fresh.n, 2)

      // the old answer arrives while the new lookup is still in flight: a new caller joins the new one
      yield* Deferred.succeed(old.reply, userOf(old.n))
      assert.strictEqual(idOf(yield* Fiber.await(before)), 1001)
      const joined = yield* forkValidate(validator, tokenA)
      yield* Deferred.succeed(fresh.reply, userOf(fresh.n))
      assert.strictEqual(idOf(yield* Fiber.await(after)), 1002)
      assert.strictEqual(idOf(yield* Fiber.await(joined)), 1002)
      assert.strictEqual((yield* validator.validate(tokenA)).id, 1002)
      assert.strictEqual(stub.calls.length, 2)
    }))
})

describe("PlexTokenValidator: what is cached", () => {
  const refusedPinId = new PlexInvalidInputError({ argument: "pinId", reason: "not a positive integer" })
  const otherUnauthorized = new PlexUnauthorizedError({ status: 401, errors: [], reason: "Unknown" })
  const cases = [
    { name: "an InvalidToken answer", error: invalidToken, cached: true },
    { name: "a token refused before sending", error: refusedToken, cached: true },
    { name: "another refused argument", error: refusedPinId, cached: false },
    { name: "another 401", error: otherUnauthorized, cached: false },
    { name: "a transport failure", error: transport, cached: false }
  ] as const

  it.scoped.each(cases)(
    "$name is cached for invalidTimeToLive only if it means a dead token",
    ({ cached, error }) =>
      Effect.gen(function*() {
        const { stub, validator } = yield* setup()
        stub.settings.answer = () => Exit.fail(error)
        assertError(errorOf(yield* Effect.exit(validator.validate(tokenA))), error)
        assertError(errorOf(yield* Effect.exit(validator.validate(tokenA))), error)
        assert.strictEqual(stub.calls.length, cached ? 1 : 2)
        assert.strictEqual(yield* validator.size, cached ? 1 : 0)
        yield* TestClock.adjust("10 seconds")
        assert.strictEqual(yield* validator.size, 0) // an expired answer is not counted
        yield* Effect.exit(validator.validate(tokenA))
        assert.strictEqual(stub.calls.length, cached ? 2 : 3)
      })
  )

  it.scoped("size counts answers within their time to live and lookups in flight", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      stub.settings.answer = (call) => Exit.succeed(userOf(call.n))
      yield* validator.validate(tokenA)
      stub.settings.answer = undefined
      yield* forkValidate(validator, tokenB)
      assert.strictEqual(yield* validator.size, 2)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* validator.size, 1)
    }))

  it.scoped("capacity keeps the most recently used tokens", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup({ ...defaults, capacity: 2 })
      stub.settings.answer = (call) => Exit.succeed(userOf(call.n))
      const tokenC = Redacted.make("token-C")
      yield* validator.validate(tokenA)
      yield* validator.validate(tokenB)
      yield* validator.validate(tokenA) // A is now more recent than B
      yield* validator.validate(tokenC) // B goes
      assert.strictEqual(yield* validator.size, 2)
      assert.strictEqual(stub.calls.length, 3)
      yield* validator.validate(tokenA)
      yield* validator.validate(tokenC)
      assert.strictEqual(stub.calls.length, 3)
      yield* validator.validate(tokenB)
      assert.strictEqual(stub.calls.length, 4)
    }))

  it.scoped("a hit makes no span; the lookup's span is a child of the caller that started it", () =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup()
      stub.settings.answer = (call) => Exit.succeed(userOf(call.n))
      const { spans, tracer } = recordingTracer()
      yield* validator.validate(tokenA).pipe(Effect.withSpan("first request"), Effect.withTracer(tracer))
      assert.deepStrictEqual(spans.map((span) => span.name), ["first request", "stub.getTokenDetails"])
      assert.strictEqual(Option.getOrThrow(spans[1]!.parent).spanId, spans[0]!.spanId)
      yield* validator.validate(tokenA).pipe(Effect.withTracer(tracer))
      assert.strictEqual(spans.length, 2)
    }))
})

// ---------------------------------------------------------------------------------------------
// Random interleavings against a model

type Outcomes = "ok" | "dead" | "down"

type Op =
  | { readonly op: "validate"; readonly token: number }
  | { readonly op: "interrupt"; readonly pick: number }
  | { readonly op: "answer"; readonly pick: number; readonly outcome: Outcomes }
  | { readonly op: "evict"; readonly token: number }
  | { readonly op: "evictAll" }
  | { readonly op: "tick"; readonly seconds: number }

const op = <const Name extends Op["op"]>(name: Name) => FastCheck.constant(name)
const token = FastCheck.nat(1)
const pick = FastCheck.nat(7)
const outcome = FastCheck.constantFrom<Outcomes>("ok", "dead", "down")

/** Two tokens; `pick` chooses among the callers (or lookups) in flight at that point. */
const OpArbitrary: FastCheck.Arbitrary<Op> = FastCheck.oneof(
  { weight: 5, arbitrary: FastCheck.record({ op: op("validate"), token }) },
  { weight: 2, arbitrary: FastCheck.record({ op: op("interrupt"), pick }) },
  { weight: 3, arbitrary: FastCheck.record({ op: op("answer"), pick, outcome }) },
  { weight: 1, arbitrary: FastCheck.record({ op: op("evict"), token }) },
  { weight: 1, arbitrary: FastCheck.record({ op: op("evictAll") }) },
  { weight: 1, arbitrary: FastCheck.record({ op: op("tick"), seconds: FastCheck.integer({ min: 1, max: 70 }) }) }
)

interface ModelLookup {
  readonly call: Call
  readonly waiters: Set<ModelWaiter>
  open: boolean
}

interface ModelWaiter {
  readonly fiber: Fiber.RuntimeFiber<PlexUser, PlexAuthError>
  readonly lookup: ModelLookup
}

type Outcome = Exit.Exit<PlexUser, PlexAuthError>
type ModelEntry = { readonly kind: "pending"; readonly lookup: ModelLookup } | {
  readonly kind: "cached"
  readonly exit: Outcome
  readonly expiresAt: number
}

const outcomeOf = (call: Call, outcome: Outcomes): Outcome =>
  outcome === "ok" ? Exit.succeed(userOf(call.n)) : Exit.fail(outcome === "dead" ? invalidToken : transport)

const sameOutcome = (actual: Outcome, expected: Outcome) => {
  if (Exit.isSuccess(expected)) return assert.strictEqual(idOf(actual), expected.value.id)
  assertError(errorOf(actual), errorOf(expected))
}

describe("PlexTokenValidator: random interleavings", () => {
  it.scoped.prop("validate, interrupt, answer, evict and time agree with a model", [
    FastCheck.array(OpArbitrary, { maxLength: 40 })
  ], ([ops]) =>
    Effect.gen(function*() {
      const { stub, validator } = yield* setup({ ...defaults, capacity: 100 })
      const tokens = [tokenA, tokenB]
      const entries = new Map<number, ModelEntry>()
      const lookups: Array<ModelLookup> = []
      const waiters: Array<ModelWaiter> = []
      let now = 0

      const live = () => [...entries.values()].filter((e) => e.kind === "pending" || now < e.expiresAt).length

      const answer = (lookup: ModelLookup, outcome: Outcomes) =>
        Effect.gen(function*() {
          const expected = outcomeOf(lookup.call, outcome)
          yield* Deferred.done(lookup.call.reply, expected)
          for (const waiter of lookup.waiters) sameOutcome(yield* Fiber.await(waiter.fiber), expected)
          lookup.open = false
          const token = tokens.findIndex((t) => Redacted.value(t) === lookup.call.token)
          const entry = entries.get(token)
          if (entry?.kind === "pending" && entry.lookup === lookup) {
            if (outcome === "down") entries.delete(token)
            else {
              const expiresAt = now + (outcome === "ok" ? 60_000 : 10_000)
              entries.set(token, { kind: "cached", exit: expected, expiresAt })
            }
          }
        })

      for (const op of ops) {
        switch (op.op) {
          case "validate": {
            const entry = entries.get(op.token)
            const requests = stub.calls.length
            const fiber = yield* forkValidate(validator, tokens[op.token]!)
            if (entry?.kind === "cached" && now < entry.expiresAt) {
              sameOutcome(Option.getOrThrow(yield* Fiber.poll(fiber)), entry.exit)
              assert.strictEqual(stub.calls.length, requests)
            } else if (entry?.kind === "pending") {
              assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)))
              assert.strictEqual(stub.calls.length, requests)
              const waiter = { fiber, lookup: entry.lookup }
              entry.lookup.waiters.add(waiter)
              waiters.push(waiter)
            } else {
              assert.strictEqual(stub.calls.length, requests + 1) // a request of its own
              const call = yield* stub.next
              assert.strictEqual(call.token, Redacted.value(tokens[op.token]!))
              const lookup: ModelLookup = { call, waiters: new Set(), open: true }
              const waiter = { fiber, lookup }
              lookup.waiters.add(waiter)
              lookups.push(lookup)
              waiters.push(waiter)
              entries.set(op.token, { kind: "pending", lookup })
            }
            break
          }
          case "interrupt": {
            const pending = waiters.filter((w) => w.lookup.open && w.lookup.waiters.has(w))
            if (pending.length === 0) break
            const waiter = pending[op.pick % pending.length]!
            assert.isTrue(Exit.isInterrupted(yield* Fiber.interrupt(waiter.fiber)))
            const lookup = waiter.lookup
            lookup.waiters.delete(waiter)
            if (lookup.waiters.size === 0) {
              lookup.open = false
              assert.strictEqual(lookup.call.state, "interrupted") // abandoned: stopped
              for (const [token, entry] of entries) {
                if (entry.kind === "pending" && entry.lookup === lookup) entries.delete(token)
              }
            }
            break
          }
          case "answer": {
            const open = lookups.filter((lookup) => lookup.open)
            if (open.length > 0) yield* answer(open[op.pick % open.length]!, op.outcome)
            break
          }
          case "evict":
            yield* validator.evict(tokens[op.token]!)
            entries.delete(op.token)
            break
          case "evictAll":
            yield* validator.evictAll
            entries.clear()
            break
          case "tick":
            yield* TestClock.adjust(`${op.seconds} seconds`)
            now += op.seconds * 1000
            break
        }
        assert.strictEqual(yield* validator.size, live(), `size after ${JSON.stringify(op)}`)
        assert.strictEqual(stub.calls.length, lookups.length, `requests after ${JSON.stringify(op)}`)
      }

      for (const lookup of lookups.filter((lookup) => lookup.open)) yield* answer(lookup, "ok")
      for (const call of stub.calls) assert.notStrictEqual(call.state, "running")
    }), { timeout: 180_000, fastCheck: { numRuns: 100 } })
})
