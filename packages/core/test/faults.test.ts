import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"
import { PlexAuth, PlexError } from "@effect-plex/core"
import {
  FakeAccount,
  FakeFault,
  type FakeFaultStep,
  type FakeRequest,
  PlexTvFake,
  PlexTvModel,
  type PlexTvState
} from "@effect-plex/core/testing"
import { CLIENT, fakeStack, isDone, OWNER_TOKEN, requestsTo, typedFailure } from "./reliabilitySupport.js"

const MAX_BODY = 1024 * 1024
const userRequest: FakeRequest = {
  method: "GET",
  url: "/api/v2/user",
  headers: { "x-plex-client-identifier": CLIENT, "x-plex-token": "FAKEtokenOwner000001", accept: "application/json" },
  body: ""
}
const signInRequest: FakeRequest = {
  method: "POST",
  url: "/api/v2/users/signin",
  headers: {
    "x-plex-client-identifier": CLIENT,
    accept: "application/json",
    "content-type": "application/x-www-form-urlencoded"
  },
  body: "login=fake-owner&password=owner-password"
}

/** Sends `request` `n` times through the pure model, at `at(i)` millis. */
const sendMany = (state: PlexTvState, request: FakeRequest, n: number, at: (i: number) => number = () => 0) => {
  let current = state
  const statuses: Array<number> = []
  for (let i = 0; i < n; i++) {
    const [response, next] = PlexTvModel.handle(current, request, at(i))
    statuses.push(response.status)
    current = next
  }
  return { state: current, statuses }
}

const modelWith = (plan: Parameters<typeof PlexTvModel.setFaults>[1]) =>
  PlexTvModel.setFaults(
    PlexTvModel.make({ accounts: [FakeAccount.owner], settings: { rateLimit: undefined, logLimit: 5000 } }),
    plan
  )

describe("the fault plan of the model", () => {
  it("applies the next steps in order, each to `times` requests, then answers plainly", () => {
    const { state, statuses } = sendMany(
      modelWith({ next: [{ fault: FakeFault.status(503), times: 2 }, { fault: FakeFault.status(429) }] }),
      userRequest,
      5
    )
    assert.deepStrictEqual(statuses, [503, 503, 429, 200, 200])
    assert.deepStrictEqual(state.log.map((entry) => entry.fault), ["Status", "Status", "Status", undefined, undefined])
    assert.deepStrictEqual(state.faults.injected, { Status: 3 })
  })

  it("a step with forMillis lasts that long from the first request it answers", () => {
    const { statuses } = sendMany(
      modelWith({ next: [{ fault: FakeFault.status(429, { retryAfter: 2 }), forMillis: 1000 }] }),
      userRequest,
      6,
      (i) => 5000 + i * 300
    )
    assert.deepStrictEqual(statuses, [429, 429, 429, 429, 200, 200])
  })

  it("only the listed paths get faults; latency applies to every answer", () => {
    const state = modelWith({
      next: [{ fault: FakeFault.status(500), times: 5 }],
      paths: ["/api/v2/users/signin"],
      latencyMillis: 70
    })
    const [user, afterUser] = PlexTvModel.handle(state, userRequest, 0)
    assert.strictEqual(user.status, 200)
    assert.strictEqual(user.delayMillis, 70)
    const [signIn] = PlexTvModel.handle(afterUser, signInRequest, 0)
    assert.strictEqual(signIn.status, 500)
  })

  it("the random mix is deterministic for a seed, near its rate, and differs between seeds", () => {
    const run = (seed: number) =>
      sendMany(modelWith({ random: { rate: 0.1, seed } }), userRequest, 2000).state.log.map((entry) =>
        entry.fault ?? "-"
      )
    const first = run(42)
    assert.deepStrictEqual(run(42), first)
    assert.notDeepEqual(run(43), first)
    const faulted = first.filter((fault) => fault !== "-").length
    assert.isAtLeast(faulted, 150)
    assert.isAtMost(faulted, 250)
    assert.isAtLeast(new Set(first).size, 8) // the mix covers many kinds
  })

  it("edge faults never reach plex.tv's route; transport faults let it act, then spoil the answer", () => {
    const edge = sendMany(modelWith({ next: [{ fault: FakeFault.status(503) }] }), signInRequest, 1)
    assert.strictEqual(edge.state.signInAttempts, 0)
    const reset = sendMany(modelWith({ next: [{ fault: FakeFault.resetBeforeResponse }] }), signInRequest, 1)
    assert.strictEqual(reset.state.signInAttempts, 1)
    assert.strictEqual(reset.state.issued, 1) // the sign-in happened: the client just never heard
  })

  it("describes each fault as the answer's transport for the front door to perform", () => {
    const transport = (step: FakeFaultStep) => {
      const [response] = PlexTvModel.handle(modelWith({ next: [step] }), userRequest, 0)
      return response
    }
    assert.strictEqual(transport({ fault: FakeFault.resetMidBody }).transport?._tag, "ResetMidBody")
    assert.strictEqual(transport({ fault: FakeFault.headersThenSilence }).transport?._tag, "HeadersThenSilence")
    assert.strictEqual(transport({ fault: FakeFault.endlessBody }).transport?._tag, "EndlessBody")
    const huge = transport({ fault: FakeFault.hugeBody({ contentLength: false }) })
    assert.deepStrictEqual(huge.transport, { _tag: "HugeBody", bytes: 50 * 1024 * 1024, contentLength: false })
    assert.isUndefined(huge.headers["content-length"])
    const xml = transport({ fault: FakeFault.xmlBody })
    assert.match(xml.headers["content-type"] ?? "", /xml/)
    assert.match(xml.body, /^<\?xml/)
    const truncated = transport({ fault: FakeFault.truncatedJson })
    assert.throws(() => JSON.parse(truncated.body))
    const html = transport({ fault: FakeFault.htmlErrorPage(504) })
    assert.strictEqual(html.status, 504)
    assert.match(html.body, /<html>/)
    assert.strictEqual(transport({ fault: FakeFault.delay(900) }).delayMillis, 900)
  })

  it("parses the fault flags of pnpm fake-plex", () => {
    assert.deepStrictEqual(FakeFault.parse("503*3"), { fault: { _tag: "Status", status: 503 }, times: 3 })
    assert.deepStrictEqual(FakeFault.parse("429:2"), { fault: { _tag: "Status", status: 429, retryAfter: 2 } })
    assert.deepStrictEqual(FakeFault.parse("429:Wed, 21 Oct 2015 07:28:00 GMT"), {
      fault: { _tag: "Status", status: 429, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT" }
    })
    assert.deepStrictEqual(FakeFault.parse("huge-no-length:1000"), {
      fault: { _tag: "HugeBody", bytes: 1000, contentLength: false }
    })
    assert.deepStrictEqual(FakeFault.parse("html"), { fault: { _tag: "HtmlErrorPage", status: 502 } })
    for (const name of ["xml", "truncated-json", "reset", "reset-mid-body", "endless", "silence", "delay:10"]) {
      assert.isDefined(FakeFault.parse(name), name)
    }
    for (const bad of ["", "teapot", "999", "html:abc", "delay", "huge:lots", "xml:1"]) {
      assert.isUndefined(FakeFault.parse(bad), bad)
    }
  })

  it("parses the hostile fault flags, and refuses a redirect off this machine", () => {
    assert.deepStrictEqual(FakeFault.parse("markup:repeated-open:422:html:2048*2"), {
      fault: { _tag: "HostileMarkup", pattern: "repeatedOpen", status: 422, contentType: "html", bytes: 2048 },
      times: 2
    })
    assert.deepStrictEqual(FakeFault.parse("deep-json:object:401:20000"), {
      fault: { _tag: "DeepJson", shape: "object", status: 401, depth: 20000 }
    })
    assert.deepStrictEqual(FakeFault.parse("huge-no-length:4194305:503"), {
      fault: { _tag: "HugeBody", bytes: 4194305, contentLength: false, status: 503 }
    })
    assert.deepStrictEqual(FakeFault.parse("drip:50"), { fault: { _tag: "SlowDrip", intervalMillis: 50 } })
    assert.deepStrictEqual(FakeFault.parse("deflate-bomb:1000"), {
      fault: { _tag: "CompressionBomb", encoding: "deflate", inflatedBytes: 1000 }
    })
    assert.deepStrictEqual(FakeFault.parse("redirect:307:http://127.0.0.1:9/x"), {
      fault: { _tag: "Redirect", status: 307, location: "http://127.0.0.1:9/x" }
    })
    assert.deepStrictEqual(FakeFault.parse("malformed-json:500"), { fault: { _tag: "MalformedJson", status: 500 } })
    for (const name of ["markup:entity-run", "deep-json:array", "malformed-json", "drip", "gzip-bomb", "redirect"]) {
      assert.isDefined(FakeFault.parse(name), name)
    }
    for (
      const bad of [
        "markup",
        "markup:other",
        "markup:entity-run:500:json",
        "deep-json:list",
        "drip:0",
        "redirect:200",
        "redirect:302:http://example.com/",
        "redirect:302:http://localhost:9/"
      ]
    ) {
      assert.isUndefined(FakeFault.parse(bad), bad)
    }
  })

  it("builds each hostile body as described: sizes, shapes, headers and transports", () => {
    const answer = (fault: FakeFault) => PlexTvModel.handle(modelWith({ next: [{ fault }] }), userRequest, 0)[0]
    const markup = answer(FakeFault.hostileMarkup("repeatedOpen", { status: 422, bytes: 10_000 }))
    assert.strictEqual(markup.status, 422)
    assert.match(markup.headers["content-type"] ?? "", /^application\/xml/)
    assert.strictEqual(markup.body.length, 10_000)
    assert.notInclude(markup.body, "/>")
    assert.isAbove(markup.body.split("<error").length, 1000)
    const attribute = answer(FakeFault.hostileMarkup("unclosedAttribute", { contentType: "html", bytes: 5000 }))
    assert.match(attribute.headers["content-type"] ?? "", /^text\/html/)
    assert.strictEqual(attribute.body.split("\"").length, 2) // one quote, opened and never closed
    assert.notInclude(attribute.body.slice(attribute.body.indexOf("<error ")), ">")
    assert.include(answer(FakeFault.hostileMarkup("entityRun", { bytes: 5000 })).body, "&#&amp&#x")
    const deep = answer(FakeFault.deepJson("array", { depth: 20_000 }))
    assert.strictEqual(deep.status, 200)
    assert.isTrue(deep.body.startsWith("[".repeat(20_000) + "]"))
    const deepError = answer(FakeFault.deepJson("object", { status: 401, depth: 20_000 }))
    assert.isTrue(deepError.body.startsWith("{\"errors\":[{\"a\":{\"a\":"))
    assert.strictEqual(deepError.body.length, "{\"errors\":[]}".length + 20_000 * 6 + 1)
    assert.throws(() => JSON.parse(answer(FakeFault.malformedJson()).body))
    assert.throws(() => JSON.parse(answer(FakeFault.malformedJson(503)).body))
    assert.deepStrictEqual(answer(FakeFault.slowDrip(40)).transport, { _tag: "SlowDrip", intervalMillis: 40 })
    const bomb = answer(FakeFault.compressionBomb("gzip", 1000))
    assert.strictEqual(bomb.headers["content-encoding"], "gzip")
    assert.deepStrictEqual(bomb.transport, { _tag: "CompressionBomb", encoding: "gzip", inflatedBytes: 1000 })
    const redirect = answer(FakeFault.redirect(308, "http://127.0.0.1:9/elsewhere"))
    assert.strictEqual(redirect.status, 308)
    assert.strictEqual(redirect.headers.location, "http://127.0.0.1:9/elsewhere")
    assert.deepStrictEqual(answer(FakeFault.redirect()).transport, { _tag: "Redirect", location: undefined })
  })

  it("the hostile mix holds the plain one, then every hostile kind, each described apart", () => {
    assert.deepStrictEqual(FakeFault.hostileMix.slice(0, FakeFault.mix.length), FakeFault.mix)
    const tags = new Set(FakeFault.hostileMix.map((fault) => fault._tag))
    for (const tag of ["HostileMarkup", "DeepJson", "MalformedJson", "SlowDrip", "CompressionBomb", "Redirect"]) {
      assert.isTrue(tags.has(tag as FakeFault["_tag"]), tag)
    }
    const described = FakeFault.hostileMix.map(FakeFault.describe)
    assert.strictEqual(new Set(described).size, described.length)
    const { state } = sendMany(
      modelWith({ random: { rate: 1, seed: 3, faults: FakeFault.hostileMix } }),
      userRequest,
      400
    )
    assert.isAtLeast(Object.keys(state.faults.injected).length, 12)
  })
})

// ---------------------------------------------------------------------------------------------
// The client against each fault, over the in-memory fake

const getTokenDetails = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(OWNER_TOKEN))

interface Case {
  readonly fault: FakeFault
  readonly tag: PlexError["_tag"]
  readonly check?: (error: PlexError) => void
  /** Worth another try: with retries on, one such fault is recovered from. */
  readonly retryable: boolean
  /** Ends only by the per-attempt timeout. */
  readonly hangs?: boolean
}

const httpStatus = (status: number) => (error: PlexError) => {
  assert.strictEqual(error._tag === "PlexHttpError" && error.status, status)
}
const retryAfter = (expected: Option.Option<Duration.Duration>) => (error: PlexError) => {
  assert.isTrue(error._tag === "PlexRateLimitError")
  if (error._tag === "PlexRateLimitError") {
    assert.deepStrictEqual(Option.map(error.retryAfter, Duration.toMillis), Option.map(expected, Duration.toMillis))
  }
}
const tooLarge = (error: PlexError) => {
  assert.strictEqual(error._tag === "PlexDecodeError" && error.reason, "TooLarge")
}
const shape = (error: PlexError) => {
  assert.deepStrictEqual(error._tag === "PlexDecodeError" && error.paths, ["(body)"])
}
const transport = (pattern: RegExp) => (error: PlexError) => {
  assert.match(error._tag === "PlexTransportError" ? error.reason : "", pattern)
}

const cases: ReadonlyArray<Case> = [
  { fault: FakeFault.status(500), tag: "PlexHttpError", check: httpStatus(500), retryable: false },
  { fault: FakeFault.status(502), tag: "PlexHttpError", check: httpStatus(502), retryable: true },
  { fault: FakeFault.status(503), tag: "PlexHttpError", check: httpStatus(503), retryable: true },
  { fault: FakeFault.status(504), tag: "PlexHttpError", check: httpStatus(504), retryable: true },
  { fault: FakeFault.status(429), tag: "PlexRateLimitError", check: retryAfter(Option.none()), retryable: true },
  {
    fault: FakeFault.status(429, { retryAfter: 2 }),
    tag: "PlexRateLimitError",
    check: retryAfter(Option.some(Duration.seconds(2))),
    retryable: true
  },
  {
    // the TestClock starts at the epoch: this date is 3 seconds away
    fault: FakeFault.status(429, { retryAfter: new Date(3000).toUTCString() }),
    tag: "PlexRateLimitError",
    check: retryAfter(Option.some(Duration.seconds(3))),
    retryable: true
  },
  { fault: FakeFault.htmlErrorPage(502), tag: "PlexHttpError", check: httpStatus(502), retryable: true },
  { fault: FakeFault.htmlErrorPage(500), tag: "PlexHttpError", check: httpStatus(500), retryable: false },
  { fault: FakeFault.xmlBody, tag: "PlexDecodeError", check: shape, retryable: false },
  { fault: FakeFault.truncatedJson, tag: "PlexDecodeError", check: shape, retryable: false },
  { fault: FakeFault.resetBeforeResponse, tag: "PlexTransportError", check: transport(/ECONNRESET/), retryable: true },
  { fault: FakeFault.resetMidBody, tag: "PlexTransportError", check: transport(/body cut off/), retryable: true },
  { fault: FakeFault.endlessBody, tag: "PlexTimeoutError", retryable: true, hangs: true },
  { fault: FakeFault.headersThenSilence, tag: "PlexTimeoutError", retryable: true, hangs: true },
  { fault: FakeFault.hugeBody({ contentLength: true }), tag: "PlexDecodeError", check: tooLarge, retryable: false },
  { fault: FakeFault.hugeBody({ contentLength: false }), tag: "PlexDecodeError", check: tooLarge, retryable: false },
  { fault: FakeFault.delay(5000), tag: "PlexTimeoutError", retryable: true, hangs: true }
]

describe("each fault over the in-memory fake", () => {
  for (const { check, fault, hangs, tag } of cases) {
    it.effect(`${FakeFault.describe(fault)}: ${tag}, within the 2 s timeout, no defect`, () =>
      Effect.gen(function*() {
        const fake = yield* PlexTvFake
        yield* fake.faults({ next: [{ fault }] })
        const fiber = yield* Effect.fork(Effect.exit(getTokenDetails))
        if (hangs === true) {
          yield* TestClock.adjust("1999 millis")
          assert.isFalse(yield* isDone(fiber), "ended before its timeout")
        }
        yield* TestClock.adjust(hangs === true ? "1 millis" : "0 millis")
        assert.isTrue(yield* isDone(fiber), "still running after its timeout")
        const error = typedFailure(yield* Fiber.join(fiber))
        assert.strictEqual(error._tag, tag)
        check?.(error)
        assert.strictEqual(yield* requestsTo("/api/v2/user"), 1)
        // a huge body is read no further than the limit (plus one chunk of the fake's stream)
        const stats = yield* fake.transportStats
        assert.isAtMost(stats.streamedBytes, MAX_BODY + 64 * 1024)
      }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 0 } } }))))
  }

  for (const { fault, retryable } of cases) {
    it.effect(
      `${FakeFault.describe(fault)} once: ${retryable ? "getTokenDetails recovers by retrying" : "not retried"}`,
      () =>
        Effect.gen(function*() {
          const fake = yield* PlexTvFake
          yield* fake.faults({ next: [{ fault }] })
          const fiber = yield* Effect.fork(Effect.exit(getTokenDetails))
          yield* TestClock.adjust("1 minute")
          const exit = yield* Fiber.join(fiber)
          if (retryable) {
            assert.isTrue(exit._tag === "Success", String(exit))
            assert.strictEqual(yield* requestsTo("/api/v2/user"), 2)
          } else {
            typedFailure(exit)
            assert.strictEqual(yield* requestsTo("/api/v2/user"), 1)
          }
        }).pipe(Effect.provide(fakeStack()))
    )
  }

  it.effect("added latency delays every answer by that much, on the TestClock", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ latencyMillis: 1500 })
      const fiber = yield* Effect.fork(getTokenDetails)
      yield* TestClock.adjust("1499 millis")
      assert.isFalse(yield* isDone(fiber))
      yield* TestClock.adjust("1 millis")
      assert.strictEqual((yield* Fiber.join(fiber)).id, 10000001)
    }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 0 } } }))))

  it.effect("latency past the timeout on every attempt: a PlexTimeoutError, attempts bounded by retry.times", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ latencyMillis: 10_000 })
      const fiber = yield* Effect.fork(Effect.exit(getTokenDetails))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(typedFailure(yield* Fiber.join(fiber))._tag, "PlexTimeoutError")
      assert.strictEqual(yield* requestsTo("/api/v2/user"), 3) // 1 attempt + 2 retries
      assert.strictEqual((yield* fake.transportStats).aborted, 3) // each attempt given up on
      assert.strictEqual(Chunk.size(yield* TestClock.sleeps()), 0) // no timer left behind
    }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 2 } } }))))

  it.effect("a random mix at 30% with a seed: every call ends in a success or a PlexError, none hangs", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      yield* fake.faults({ random: { rate: 0.3, seed: 7 } })
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 60 }), () => Effect.exit(getTokenDetails), { concurrency: 8 })
      )
      yield* TestClock.adjust("10 minutes")
      const exits = yield* Fiber.join(fiber)
      for (const exit of exits) if (exit._tag === "Failure") typedFailure(exit)
      const injected = (yield* fake.state).faults.injected
      assert.isAbove(Object.values(injected).reduce((a, b) => a + (b ?? 0), 0), 10)
    }).pipe(Effect.provide(fakeStack())))
})

// ---------------------------------------------------------------------------------------------
// The client against each hostile answer, over the in-memory fake

/** A 401/422 whose body is not plex.tv's error list says nothing about the token: not InvalidToken. */
const unauthorized = (error: PlexError) => {
  assert.strictEqual(error._tag === "PlexUnauthorizedError" && error.reason, "UnrecognizedAnswer")
  assert.isFalse(PlexError.isInvalidToken(error))
}
const notTooLarge = (error: PlexError) => {
  assert.isTrue(error._tag === "PlexDecodeError" && error.reason === undefined, String(error))
}
const MARKUP = 256 * 1024

const hostileCases: ReadonlyArray<Case> = [
  {
    fault: FakeFault.hugeBody({ bytes: MAX_BODY - 1024 }),
    tag: "PlexDecodeError",
    check: notTooLarge,
    retryable: false
  },
  {
    fault: FakeFault.hugeBody({ bytes: MAX_BODY - 1024, contentLength: false }),
    tag: "PlexDecodeError",
    check: notTooLarge,
    retryable: false
  },
  { fault: FakeFault.hugeBody({ bytes: MAX_BODY + 1 }), tag: "PlexDecodeError", check: tooLarge, retryable: false },
  {
    fault: FakeFault.hugeBody({ bytes: MAX_BODY + 1, contentLength: false }),
    tag: "PlexDecodeError",
    check: tooLarge,
    retryable: false
  },
  {
    fault: FakeFault.hugeBody({ bytes: MAX_BODY + 1, contentLength: false, status: 503 }),
    tag: "PlexHttpError",
    check: httpStatus(503),
    retryable: true
  },
  ...(["unclosedAttribute", "repeatedOpen", "entityRun"] as const).flatMap((pattern) =>
    (["xml", "html"] as const).flatMap((contentType): ReadonlyArray<Case> => [
      {
        fault: FakeFault.hostileMarkup(pattern, { status: 401, contentType, bytes: MARKUP }),
        tag: "PlexUnauthorizedError",
        check: unauthorized,
        retryable: false
      },
      {
        fault: FakeFault.hostileMarkup(pattern, { status: 422, contentType, bytes: MARKUP }),
        tag: "PlexUnauthorizedError",
        check: unauthorized,
        retryable: false
      },
      {
        fault: FakeFault.hostileMarkup(pattern, { status: 500, contentType, bytes: MARKUP }),
        tag: "PlexHttpError",
        check: httpStatus(500),
        retryable: false
      },
      {
        fault: FakeFault.hostileMarkup(pattern, { status: 503, contentType, bytes: MARKUP }),
        tag: "PlexHttpError",
        check: httpStatus(503),
        retryable: true
      },
      {
        fault: FakeFault.hostileMarkup(pattern, { status: 200, contentType, bytes: MARKUP }),
        tag: "PlexDecodeError",
        retryable: false
      }
    ])
  ),
  { fault: FakeFault.deepJson("array"), tag: "PlexDecodeError", retryable: false },
  { fault: FakeFault.deepJson("object"), tag: "PlexDecodeError", retryable: false },
  {
    fault: FakeFault.deepJson("array", { status: 500 }),
    tag: "PlexHttpError",
    check: httpStatus(500),
    retryable: false
  },
  {
    fault: FakeFault.deepJson("object", { status: 401 }),
    tag: "PlexUnauthorizedError",
    check: unauthorized,
    retryable: false
  },
  { fault: FakeFault.malformedJson(), tag: "PlexDecodeError", check: shape, retryable: false },
  { fault: FakeFault.malformedJson(503), tag: "PlexHttpError", check: httpStatus(503), retryable: true },
  { fault: FakeFault.slowDrip(), tag: "PlexTimeoutError", retryable: true, hangs: true },
  // the in-memory client, like the lean undici one, does not inflate: the compressed bytes are not JSON
  { fault: FakeFault.compressionBomb("gzip", 8 * 1024 * 1024), tag: "PlexDecodeError", retryable: false },
  { fault: FakeFault.compressionBomb("deflate", 8 * 1024 * 1024), tag: "PlexDecodeError", retryable: false },
  { fault: FakeFault.redirect(302), tag: "PlexHttpError", check: httpStatus(302), retryable: false },
  { fault: FakeFault.redirect(307), tag: "PlexHttpError", check: httpStatus(307), retryable: false },
  { fault: FakeFault.redirect(308), tag: "PlexHttpError", check: httpStatus(308), retryable: false }
]

describe("each hostile answer over the in-memory fake", () => {
  for (const { check, fault, hangs, tag } of hostileCases) {
    it.effect(`${FakeFault.describe(fault)}: ${tag}, no defect`, () =>
      Effect.gen(function*() {
        const fake = yield* PlexTvFake
        yield* fake.faults({ next: [{ fault }] })
        const fiber = yield* Effect.fork(Effect.exit(getTokenDetails))
        if (hangs === true) {
          yield* TestClock.adjust("1999 millis")
          assert.isFalse(yield* isDone(fiber), "ended before its timeout")
          yield* TestClock.adjust("1 millis")
        }
        // no clock moves for the others: whatever real work they await (compressing a bomb), they
        // end without a timeout
        const error = typedFailure(yield* Fiber.join(fiber))
        assert.strictEqual(error._tag, tag, String(error))
        if (hangs === true) {
          assert.strictEqual(error._tag === "PlexTimeoutError" && Duration.toMillis(error.timeout), 2000)
        }
        check?.(error)
        assert.strictEqual(yield* requestsTo("/api/v2/user"), 1)
        assert.isAtMost((yield* fake.transportStats).streamedBytes, MAX_BODY + 64 * 1024)
      }).pipe(Effect.provide(fakeStack({ config: { retry: { times: 0 } } }))))
  }

  it.effect("a 20% hostile mix with a seed: every call ends in a success or a PlexError", () =>
    Effect.gen(function*() {
      const fake = yield* PlexTvFake
      const faults = FakeFault.hostileMix.map((fault) =>
        fault._tag === "CompressionBomb" ? { ...fault, inflatedBytes: 8 * 1024 * 1024 } : fault
      )
      yield* fake.faults({ random: { rate: 0.2, seed: 11, faults } })
      const fiber = yield* Effect.fork(
        Effect.forEach(Array.from({ length: 60 }), () => Effect.exit(getTokenDetails), { concurrency: 8 })
      )
      // advance past every timeout and retry, until every call ended (some await real work)
      while (!(yield* isDone(fiber))) {
        yield* TestClock.adjust("1 minute")
        yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 5)))
      }
      const exits = yield* Fiber.join(fiber)
      for (const exit of exits) if (exit._tag === "Failure") typedFailure(exit)
      assert.isAbove(Object.values((yield* fake.state).faults.injected).reduce((a, b) => a + (b ?? 0), 0), 5)
    }).pipe(Effect.provide(fakeStack())))
})
