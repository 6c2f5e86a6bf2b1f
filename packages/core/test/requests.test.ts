import type * as HttpBody from "@effect/platform/HttpBody"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { inspect } from "node:util"
import { type PlexAuth, plexClientHeaderNames, type PlexConfigOptions } from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import {
  CLIENT_ID,
  credentials,
  fakeAuth,
  getTokenDetails,
  jsonResponse,
  owner,
  type RecordedSpan,
  recordingTracer,
  refused,
  scripted,
  SENTINEL_PASSWORD,
  SENTINEL_TOKEN,
  signIn,
  userJson
} from "./utils.js"

const decoder = new TextDecoder()

const bodyText = (body: HttpBody.HttpBody): string => {
  switch (body._tag) {
    case "Uint8Array":
      return decoder.decode(body.body)
    case "Raw":
      return typeof body.body === "string" ? body.body : assert.fail("unexpected raw body")
    case "Empty":
      return ""
    default:
      return assert.fail(`unexpected body ${body._tag}`)
  }
}

const plexHeaders = (headers: Readonly<Record<string, string>>) =>
  Object.keys(headers).filter((name) => name.startsWith("x-plex-")).sort()

/** Runs `effect` against a client that records its requests and answers with a user. */
const capture = <A, E>(
  effect: Effect.Effect<A, E, PlexAuth>,
  options: Partial<PlexConfigOptions> = {},
  status = 200
) => {
  const http = scripted(() => jsonResponse(status, userJson()))
  return Effect.provide(effect, http.layer(options)).pipe(
    Effect.exit,
    Effect.map(() => {
      assert.strictEqual(http.calls(), 1)
      return http.requests[0]!
    })
  )
}

describe("signIn on the wire", () => {
  it.effect("POST {baseUrl}/api/v2/users/signin with a form of login and password only", () =>
    Effect.gen(function*() {
      const { request, url } = yield* capture(signIn(credentials("alice@example.invalid", "p&ss=wörd +%")), {}, 201)
      assert.strictEqual(request.method, "POST")
      assert.strictEqual(url.href, "https://plex.tv/api/v2/users/signin")
      const contentType = request.body._tag === "Uint8Array" ? request.body.contentType : request.body._tag
      assert.strictEqual(contentType, "application/x-www-form-urlencoded")
      const form = new URLSearchParams(bodyText(request.body))
      assert.deepStrictEqual([...form.keys()].sort(), ["login", "password"])
      assert.strictEqual(form.get("login"), "alice@example.invalid")
      assert.strictEqual(form.get("password"), "p&ss=wörd +%")
      assert.strictEqual(request.headers.accept, "application/json")
    }))

  it.effect("verificationCode and rememberMe go out when given", () =>
    Effect.gen(function*() {
      for (const rememberMe of [true, false]) {
        const { request } = yield* capture(
          signIn(credentials("alice", "pw", { verificationCode: "012345", rememberMe })),
          {},
          201
        )
        const form = new URLSearchParams(bodyText(request.body))
        assert.deepStrictEqual([...form.keys()].sort(), ["login", "password", "rememberMe", "verificationCode"])
        assert.strictEqual(form.get("verificationCode"), "012345")
        assert.strictEqual(form.get("rememberMe"), String(rememberMe))
      }
    }))

  it.effect("the password never goes in the URL", () =>
    Effect.gen(function*() {
      const { request, url } = yield* capture(signIn(credentials("alice", SENTINEL_PASSWORD)), {}, 201)
      assert.notInclude(url.href, SENTINEL_PASSWORD)
      assert.deepStrictEqual(request.urlParams, [])
    }))
})

describe("getTokenDetails on the wire", () => {
  it.effect("GET {baseUrl}/api/v2/user with the token in X-Plex-Token, never in the URL", () =>
    Effect.gen(function*() {
      const { request, url } = yield* capture(getTokenDetails(SENTINEL_TOKEN))
      assert.strictEqual(request.method, "GET")
      assert.strictEqual(url.href, "https://plex.tv/api/v2/user")
      assert.strictEqual(request.headers["x-plex-token"], SENTINEL_TOKEN)
      assert.notInclude(url.href, SENTINEL_TOKEN)
      assert.strictEqual(url.search, "")
      assert.deepStrictEqual(request.urlParams, [])
      assert.strictEqual(request.headers.accept, "application/json")
    }))

  it.effect("the fake plex.tv sees the token in the header and JSON asked for", () =>
    Effect.gen(function*() {
      yield* getTokenDetails(owner.token)
      const [entry] = yield* Effect.flatMap(PlexTvFake, (fake) => fake.requests)
      assert.strictEqual(entry?.tokenIn, "header")
      assert.strictEqual(entry?.clientIdentifier, CLIENT_ID)
      assert.include(entry?.accept ?? "", "application/json")
    }).pipe(Effect.provide(fakeAuth())))
})

describe("headers of every request", () => {
  const full = {
    clientIdentifier: "3f1c0f0e-6a53-4a8e-9a51-2b7f0a6f8f10",
    product: "effect-plex tests",
    version: "0.1.0",
    platform: "Node.js",
    platformVersion: "22.4.0",
    device: "Server",
    model: "4200X",
    deviceVendor: "Example Vendor",
    deviceName: "Living Room TV",
    marketplace: "googlePlay"
  } as const

  it.effect("every X-Plex-* header of PlexClientInfo that is set", () =>
    Effect.gen(function*() {
      for (const call of [signIn(credentials("alice", "pw")), getTokenDetails("token")]) {
        const { request } = yield* capture(call, { client: full })
        for (const key of Object.keys(plexClientHeaderNames) as Array<keyof typeof plexClientHeaderNames>) {
          assert.strictEqual(request.headers[plexClientHeaderNames[key].toLowerCase()], full[key], key)
        }
      }
    }))

  it.effect("none of the unset ones", () =>
    Effect.gen(function*() {
      const signInRequest = yield* capture(signIn(credentials("alice", "pw")))
      // the product is never left out (plex.tv's consent page shows it): PlexConfig.defaultProduct
      assert.deepStrictEqual(plexHeaders(signInRequest.request.headers), ["x-plex-client-identifier", "x-plex-product"])
      assert.strictEqual(signInRequest.request.headers["x-plex-client-identifier"], "test-client-0001")
      assert.strictEqual(signInRequest.request.headers["x-plex-product"], "effect-plex")
      const tokenRequest = yield* capture(getTokenDetails("token"), {
        client: { clientIdentifier: "id", product: "p" }
      })
      assert.deepStrictEqual(plexHeaders(tokenRequest.request.headers), [
        "x-plex-client-identifier",
        "x-plex-product",
        "x-plex-token"
      ])
    }))

  it.effect("non-ASCII values go out as their UTF-8 bytes", () =>
    Effect.gen(function*() {
      const deviceName = "Wohnzimmer – Fernseher ✓ 客厅"
      const { request } = yield* capture(getTokenDetails("token"), { client: { clientIdentifier: "id", deviceName } })
      const sent = request.headers["x-plex-device-name"]!
      assert.strictEqual(sent, Buffer.from(deviceName, "utf8").toString("latin1"))
      assert.isTrue([...sent].every((char) => char.charCodeAt(0) <= 0xff))
      assert.strictEqual(Buffer.from(sent, "latin1").toString("utf8"), deviceName)
    }))

  it.effect("no trace context goes to plex.tv", () =>
    Effect.gen(function*() {
      for (const call of [signIn(credentials("alice", "pw")), getTokenDetails("token")]) {
        const { request } = yield* capture(Effect.withSpan(call, "caller"))
        for (const name of ["traceparent", "tracestate", "b3", "x-b3-traceid", "x-b3-spanid"]) {
          assert.notProperty(request.headers, name)
        }
      }
    }))

  it.effect("a baseUrl with a trailing slash, or a path, works", () =>
    Effect.gen(function*() {
      const root = yield* capture(signIn(credentials("alice", "pw")), { baseUrl: "https://plex.example.invalid/" })
      assert.strictEqual(root.url.href, "https://plex.example.invalid/api/v2/users/signin")
      const prefixed = yield* capture(getTokenDetails("token"), { baseUrl: "http://127.0.0.1:32400/plex//" })
      assert.strictEqual(prefixed.url.href, "http://127.0.0.1:32400/plex/api/v2/user")
    }))
})

describe("spans", () => {
  const everyAttribute = (spans: ReturnType<typeof recordingTracer>["spans"]) =>
    spans.flatMap((span) => [
      ...[...span.attributes].map(([key, value]) => [`${span.name} ${key}`, value] as const),
      ...span.events.map(([name, , attributes]) => [`${span.name} event ${name}`, attributes] as const)
    ])

  const assertClean = (spans: ReturnType<typeof recordingTracer>["spans"]) => {
    for (const [where, value] of everyAttribute(spans)) {
      const text = typeof value === "string" ? value : inspect(value, { depth: 10 })
      assert.notInclude(text, SENTINEL_TOKEN, where)
      assert.notInclude(text, SENTINEL_PASSWORD, where)
    }
  }

  /** A platform `http.client` span, if the client makes one, sits inside the operation's span. */
  const httpSpans = (spans: ReturnType<typeof recordingTracer>["spans"], parent: RecordedSpan) => {
    const inner = spans.filter((span) => span.name.startsWith("http.client"))
    for (const span of inner) {
      assert.strictEqual(span.parent._tag === "Some" ? span.parent.value.spanId : undefined, parent.spanId)
    }
    return inner
  }

  it.effect("signIn makes a PlexAuth.signIn span with safe attributes only", () => {
    const { spans, tracer } = recordingTracer()
    const http = scripted(() => jsonResponse(201, userJson()))
    return Effect.gen(function*() {
      yield* signIn(credentials(SENTINEL_TOKEN, SENTINEL_PASSWORD))
      const outer = spans.find((span) => span.name === "PlexAuth.signIn")
      if (outer === undefined) return assert.fail("no PlexAuth.signIn span")
      assert.strictEqual(outer.attributes.get("plex.endpoint"), "POST /api/v2/users/signin")
      assert.strictEqual(outer.status._tag, "Ended")
      httpSpans(spans, outer)
      assertClean(spans)
    }).pipe(Effect.provide(Layer.merge(http.layer(), Layer.setTracer(tracer))))
  })

  it.effect("getTokenDetails makes a PlexAuth.getTokenDetails span; an http.client span would hold no token", () => {
    const { spans, tracer } = recordingTracer()
    const http = scripted(() => jsonResponse(200, userJson()))
    return Effect.gen(function*() {
      yield* getTokenDetails(SENTINEL_TOKEN)
      const outer = spans.find((span) => span.name === "PlexAuth.getTokenDetails")
      if (outer === undefined) return assert.fail("no PlexAuth.getTokenDetails span")
      assert.strictEqual(outer.attributes.get("plex.endpoint"), "GET /api/v2/user")
      for (const inner of httpSpans(spans, outer)) {
        assert.strictEqual(inner.attributes.get("http.request.header.x-plex-token"), "<redacted>")
        assert.notInclude(String(inner.attributes.get("url.full")), SENTINEL_TOKEN)
      }
      assertClean(spans)
    }).pipe(Effect.provide(Layer.merge(http.layer(), Layer.setTracer(tracer))))
  })

  it.effect("under a caller's span, the operation span is its child", () => {
    const { spans, tracer } = recordingTracer()
    const http = scripted(() => jsonResponse(200, userJson()))
    return Effect.gen(function*() {
      yield* Effect.withSpan(getTokenDetails(SENTINEL_TOKEN), "caller")
      const caller = spans.find((span) => span.name === "caller")
      const outer = spans.find((span) => span.name === "PlexAuth.getTokenDetails")
      assert.strictEqual(outer?.parent._tag === "Some" ? outer.parent.value.spanId : undefined, caller?.spanId)
    }).pipe(Effect.provide(Layer.merge(http.layer(), Layer.setTracer(tracer))))
  })

  it.effect("failed calls leave no secret in spans either", () => {
    const { spans, tracer } = recordingTracer()
    const http = scripted(
      () => jsonResponse(401, { errors: [{ code: 1001, message: "User could not be authenticated" }] }),
      () => jsonResponse(200, userJson({ id: SENTINEL_TOKEN })),
      refused("ECONNREFUSED") // the platform error holds the whole request, token header included
    )
    return Effect.gen(function*() {
      yield* Effect.flip(signIn(credentials("alice", SENTINEL_PASSWORD)))
      yield* Effect.flip(getTokenDetails(SENTINEL_TOKEN))
      yield* Effect.flip(getTokenDetails(SENTINEL_TOKEN))
      assert.strictEqual(http.calls(), 3)
      assert.deepStrictEqual(
        spans.filter((span) => span.name.startsWith("PlexAuth.")).map((span) => span.name),
        ["PlexAuth.signIn", "PlexAuth.getTokenDetails", "PlexAuth.getTokenDetails"]
      )
      assertClean(spans)
      for (const span of spans) {
        if (span.status._tag === "Ended") {
          assert.notInclude(inspect(span.status.exit, { depth: 10 }), SENTINEL_TOKEN)
          assert.notInclude(inspect(span.status.exit, { depth: 10 }), SENTINEL_PASSWORD)
        }
      }
    }).pipe(Effect.provide(Layer.merge(http.layer({ retry: { times: 0 } }), Layer.setTracer(tracer))))
  })
})
