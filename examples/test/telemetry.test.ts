/**
 * What an OpenTelemetry backend receives from this library: the spans of a password sign-in and of
 * a PIN login against the local fake plex.tv over real HTTP, exported through `@effect/opentelemetry`
 * into the SDK's `InMemorySpanExporter`. Checks the span tree (names, parents, kinds), the HTTP
 * attributes, plex.tv's error codes, the retried attempts, and that nothing exported holds a secret.
 */
import { PlexAuth, PlexPinAuth } from "@effect-plex/core"
import { FakeFault, PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { assert, describe, it } from "@effect/vitest"
import { SpanKind, SpanStatusCode } from "@opentelemetry/api"
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { spawn } from "node:child_process"
import * as Http from "node:http"
import type * as Net from "node:net"
import { createRequire } from "node:module"
import * as Path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { accounts, credentials, owner, ownerCredentials, twoFactor } from "../../test-support/accounts.js"
import { findSecrets, registerSecret } from "../../test-support/secretScan.js"

/** The OpenTelemetry SDK, as an application sets it up, exporting to memory (a fresh exporter: a shut-down one drops spans). */
const tracing = (exporter: InMemorySpanExporter) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: "effect-plex-telemetry-test" },
    spanProcessor: new SimpleSpanProcessor(exporter)
  }))

/** PlexAuth and PlexPinAuth over the undici client of @effect-plex/node, against the fake over HTTP. */
const Services = Layer.mergeAll(PlexAuth.layer, PlexPinAuth.layer).pipe(
  Layer.provide(PlexTvServer.layerConfig({ clientIdentifier: "telemetry-test", product: "telemetry test" }, {
    retry: { times: 2, base: "20 millis" }
  })),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer({ accounts }))
)

/** Runs `effect` under a root span with fresh services and exporter; returns the spans exported. */
const exported = <A, E>(effect: Effect.Effect<A, E, PlexAuth | PlexPinAuth | PlexTvFake>) => {
  const exporter = new InMemorySpanExporter()
  return Effect.gen(function*() {
    yield* Effect.withSpan(effect, "test")
    // a copy: the exporter empties its list when the SDK shuts down with the layer
    return [...exporter.getFinishedSpans()]
  }).pipe(Effect.provide(Services), Effect.provide(tracing(exporter)))
}

const idOf = (span: ReadableSpan) => span.spanContext().spanId
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId

const named = (spans: ReadonlyArray<ReadableSpan>, name: string) => spans.filter((span) => span.name === name)

const one = (spans: ReadonlyArray<ReadableSpan>, name: string) => {
  const found = named(spans, name)
  assert.lengthOf(found, 1, `one ${name} span, among ${spans.map((span) => span.name).join(", ")}`)
  return found[0]!
}

const childrenOf = (spans: ReadonlyArray<ReadableSpan>, parent: ReadableSpan) =>
  spans.filter((span) => parentOf(span) === idOf(parent))

/** Everything a backend would store of a span: name, attributes, events, status, resource. */
const exportedText = (span: ReadableSpan) =>
  JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes })),
    status: span.status,
    links: span.links,
    resource: span.resource.attributes
  })

const assertNoSecret = (spans: ReadonlyArray<ReadableSpan>, extra: ReadonlyArray<string> = []) => {
  assert.isAbove(spans.length, 0)
  for (const span of spans) {
    const text = exportedText(span)
    assert.deepStrictEqual(findSecrets(text), [], `span ${span.name} holds a secret`)
    for (const secret of extra) assert.notInclude(text, secret, `span ${span.name} holds a secret`)
  }
}

describe("spans exported through @effect/opentelemetry", () => {
  it.live("password sign-in: the call's span, one client span per attempt, statuses, plex.tv's codes", () =>
    Effect.gen(function*() {
      const spans = yield* exported(Effect.gen(function*() {
        const auth = yield* PlexAuth
        yield* auth.signIn(ownerCredentials)
        yield* Effect.flip(auth.signIn(credentials(twoFactor.login, twoFactor.password)))
        yield* Effect.flip(
          auth.signIn(credentials(twoFactor.login, twoFactor.password, { verificationCode: "654321" }))
        )
      }))
      const root = one(spans, "test")
      const signIns = named(spans, "PlexAuth.signIn")
      assert.lengthOf(signIns, 3)
      const [ok, required, wrongCode] = signIns.sort((a, b) =>
        Number(a.startTime[0] - b.startTime[0]) || a.startTime[1] - b.startTime[1]
      ) as [ReadableSpan, ReadableSpan, ReadableSpan]

      for (const call of signIns) {
        assert.strictEqual(parentOf(call), idOf(root))
        assert.strictEqual(call.kind, SpanKind.INTERNAL)
        assert.strictEqual(call.attributes["plex.endpoint"], "POST /api/v2/users/signin")
        assert.strictEqual(call.attributes["http.request.method"], "POST")
        assert.match(String(call.attributes["server.address"]), /^127\.0\.0\.1:\d+$/) // host and port, never a URL
        assert.strictEqual(call.attributes["plex.attempts"], 1) // a sign-in is never retried after an answer
        const [attempt, ...more] = childrenOf(spans, call)
        assert.lengthOf(more, 0)
        assert.strictEqual(attempt!.name, "POST /api/v2/users/signin")
        assert.strictEqual(attempt!.kind, SpanKind.CLIENT)
        assert.strictEqual(attempt!.attributes["http.request.method"], "POST")
        assert.strictEqual(attempt!.attributes["url.template"], "/api/v2/users/signin")
        assert.isUndefined(attempt!.attributes["http.request.resend_count"])
        assert.isUndefined(attempt!.attributes["url.full"]) // never a URL
      }

      assert.strictEqual(ok.status.code, SpanStatusCode.OK)
      assert.strictEqual(ok.attributes["http.response.status_code"], 201)
      assert.isUndefined(ok.attributes["plex.error.code"])
      assert.strictEqual(childrenOf(spans, ok)[0]!.attributes["http.response.status_code"], 201)

      // plex.tv asks for the code: 401 with code 1029; a wrong code: 401 with 1028 (see the API reference)
      for (const [call, code] of [[required, 1029], [wrongCode, 1028]] as const) {
        assert.strictEqual(call.status.code, SpanStatusCode.ERROR)
        assert.strictEqual(call.attributes["http.response.status_code"], 401)
        assert.strictEqual(call.attributes["plex.error.code"], code)
        assert.strictEqual(call.attributes["error.type"], "PlexUnauthorizedError")
        const attempt = childrenOf(spans, call)[0]!
        assert.strictEqual(attempt.attributes["http.response.status_code"], 401)
        assert.strictEqual(attempt.attributes["plex.error.code"], code)
        assert.strictEqual(attempt.status.code, SpanStatusCode.ERROR)
        // the failure is exported as an exception event: its message, never a secret
        assert.isTrue(call.events.some((event) => event.name === "exception"))
      }
      assertNoSecret(spans, ["654321", twoFactor.code])
    }))

  it.live("a retried call: one client span per attempt, the resend counted, the 503 on the first", () =>
    Effect.gen(function*() {
      const spans = yield* exported(Effect.gen(function*() {
        const fake = yield* PlexTvFake
        yield* fake.faults({ next: [{ fault: FakeFault.status(503), times: 2 }] })
        yield* (yield* PlexAuth).getTokenDetails(Redacted.make(owner.token))
      }))
      const call = one(spans, "PlexAuth.getTokenDetails")
      assert.strictEqual(call.attributes["plex.attempts"], 3)
      assert.strictEqual(call.attributes["http.response.status_code"], 200)
      assert.strictEqual(call.status.code, SpanStatusCode.OK)
      const attempts = childrenOf(spans, call).sort((a, b) =>
        Number(a.attributes["http.request.resend_count"] ?? 0) - Number(b.attributes["http.request.resend_count"] ?? 0)
      )
      assert.deepStrictEqual(attempts.map((span) => span.name), [
        "GET /api/v2/user",
        "GET /api/v2/user",
        "GET /api/v2/user"
      ])
      assert.deepStrictEqual(attempts.map((span) => span.attributes["http.request.resend_count"]), [undefined, 1, 2])
      assert.deepStrictEqual(attempts.map((span) => span.attributes["http.response.status_code"]), [503, 503, 200])
      assert.deepStrictEqual(attempts.map((span) => span.attributes["error.type"]), [
        "PlexHttpError",
        "PlexHttpError",
        undefined
      ])
      assert.deepStrictEqual(attempts.map((span) => span.status.code), [
        SpanStatusCode.ERROR,
        SpanStatusCode.ERROR,
        SpanStatusCode.OK
      ])
      assertNoSecret(spans)
    }))

  it.live("PIN login: createPin, the wait with its polls, then the account", () =>
    Effect.gen(function*() {
      let pinCode = ""
      const spans = yield* exported(Effect.gen(function*() {
        const pins = yield* PlexPinAuth
        const fake = yield* PlexTvFake
        const pin = yield* pins.createPin()
        pinCode = pin.code
        registerSecret(pin.code)
        const waiting = yield* Effect.fork(pins.waitForToken(pin, { interval: "50 millis" }))
        // the user approves once the app has polled at least once (however slow the machine)
        yield* fake.requests.pipe(
          Effect.repeat({
            until: (log) => log.some((entry) => entry.method === "GET" && entry.path === `/api/v2/pins/${pin.id}`),
            schedule: Schedule.spaced("20 millis")
          })
        )
        yield* fake.linkPin(pin.code, owner.login)
        const token = yield* Fiber.join(waiting)
        yield* (yield* PlexAuth).getTokenDetails(token)
      }))
      const root = one(spans, "test")

      const create = one(spans, "PlexPinAuth.createPin")
      assert.strictEqual(parentOf(create), idOf(root))
      assert.strictEqual(create.attributes["plex.pin.strong"], true)
      assert.strictEqual(create.attributes["http.response.status_code"], 201)
      const createAttempt = childrenOf(spans, create)
      assert.deepStrictEqual(createAttempt.map((span) => span.name), ["POST /api/v2/pins"])
      assert.strictEqual(createAttempt[0]!.attributes["http.request.method"], "POST")

      const wait = one(spans, "PlexPinAuth.waitForToken")
      assert.strictEqual(parentOf(wait), idOf(root))
      assert.strictEqual(wait.attributes["plex.endpoint"], "GET /api/v2/pins/{id}")
      const polls = childrenOf(spans, wait)
      assert.isAtLeast(polls.length, 2) // a poll before the link, one after
      for (const poll of polls) {
        assert.strictEqual(poll.name, "PlexPinAuth.checkPin")
        assert.strictEqual(poll.attributes["http.request.method"], "GET")
        assert.strictEqual(poll.attributes["http.response.status_code"], 200)
        assert.strictEqual(typeof poll.attributes["plex.pin.id"], "number")
        const attempts = childrenOf(spans, poll)
        assert.deepStrictEqual(attempts.map((span) => span.name), ["GET /api/v2/pins/{id}"])
        assert.strictEqual(attempts[0]!.attributes["url.template"], "/api/v2/pins/{id}")
      }

      const details = one(spans, "PlexAuth.getTokenDetails")
      assert.strictEqual(parentOf(details), idOf(root))
      assert.strictEqual(details.attributes["http.response.status_code"], 200)

      assert.notStrictEqual(pinCode, "")
      assertNoSecret(spans, [pinCode])
    }))
})

// ---------------------------------------------------------------------------------------------
// examples/telemetry.ts over OTLP, to a local collector

const root = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../..")
const tsx = pathToFileURL(createRequire(Path.join(root, "package.json")).resolve("tsx")).href

interface Received {
  readonly path: string
  readonly contentType: string
  readonly body: string
}

/** A stand-in OTLP/HTTP collector on 127.0.0.1: keeps every request, answers 200 `{}`. */
const collector = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly received: Array<Received>; readonly server: Http.Server }>((resume) => {
    const received: Array<Received> = []
    const server = Http.createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8").on("data", (chunk: string) => (body += chunk))
      request.on("end", () => {
        received.push({ path: request.url ?? "", contentType: request.headers["content-type"] ?? "", body })
        response.writeHead(200, { "content-type": "application/json" }).end("{}")
      })
    })
    server.listen(
      0,
      "127.0.0.1",
      () =>
        resume(
          Effect.succeed({ url: `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`, received, server })
        )
    )
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
)

const runExample = (file: string, env: Record<string, string>) =>
  Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@effect-plex/source", "--import", tsx, Path.join(root, "examples", file)],
      {
        cwd: root,
        env: {
          ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(PLEX_|OTEL_)/i.test(name))),
          ...env
        },
        stdio: ["ignore", "pipe", "pipe"],
        timeout: 40_000
      }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr })))
  })

describe("examples/telemetry.ts with OTEL_EXPORTER_OTLP_ENDPOINT", () => {
  it.live(
    "sends the spans and the plex.client metrics to the collector, with no secret in them",
    () =>
      Effect.gen(function*() {
        const { received, url } = yield* collector
        const { code, stderr, stdout } = yield* runExample("telemetry.ts", { OTEL_EXPORTER_OTLP_ENDPOINT: url })
        assert.strictEqual(code, 0, `${stdout}\n${stderr}`)
        assert.include(stdout, `Spans and metrics go to the OTLP collector at ${url}`)
        assert.match(stdout, /PlexAuth\.signIn PlexUnauthorizedError +calls 1/)

        const traces = received.filter((request) => request.path === "/v1/traces")
        const metrics = received.filter((request) => request.path === "/v1/metrics")
        assert.isAbove(traces.length, 0, `requests: ${received.map((request) => request.path).join(", ")}`)
        assert.isAbove(metrics.length, 0, `requests: ${received.map((request) => request.path).join(", ")}`)
        const spanNames = new Set(
          traces.flatMap((request) =>
            (JSON.parse(request.body) as {
              resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ name: string }> }> }>
            }).resourceSpans.flatMap((resource) =>
              resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.name))
            )
          )
        )
        for (
          const name of [
            "PlexAuth.signIn",
            "POST /api/v2/users/signin",
            "PlexPinAuth.createPin",
            "PlexPinAuth.checkPin"
          ]
        ) {
          assert.isTrue(spanNames.has(name), `span ${name} among ${[...spanNames].join(", ")}`)
        }
        const metricText = metrics.map((request) => request.body).join("\n")
        assert.include(metricText, "plex.client.requests")
        assert.include(metricText, "plex.client.request.duration")
        for (const request of received) {
          assert.deepStrictEqual(findSecrets(request.body), [], `${request.path} holds a secret`)
        }
      }).pipe(Effect.scoped),
    60_000
  )
})
