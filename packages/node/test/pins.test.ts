/**
 * PIN linking end to end, through both front doors: the in-memory PlexTvFake and PlexTvServer over
 * undici on 127.0.0.1 must give the same results.
 */
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { PlexAuth, PlexConfig, PlexPinAuth } from "@effect-plex/core"
import { PlexTvFake } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import { CLIENT_ID } from "./support.js"
import { accounts } from "../../../test-support/accounts.js"

const client = { clientIdentifier: CLIENT_ID, product: "effect-plex node test" }
const INTERVAL = "100 millis"

/** The scenario, written once; it needs the services and the fake, whatever carries the requests. */
const scenario = <E>(layer: Layer.Layer<PlexPinAuth | PlexAuth | PlexTvFake, E>) =>
  Effect.gen(function*() {
    const pins = yield* PlexPinAuth
    const fake = yield* PlexTvFake

    const strong = yield* pins.createPin()
    const weak = yield* pins.createPin({ strong: false })
    const before = yield* pins.checkPin(strong)

    const waiting = yield* Effect.fork(pins.waitForToken(strong, { interval: INTERVAL }))
    yield* Effect.sleep("350 millis")
    const stillWaiting = Option.isNone(yield* Fiber.poll(waiting))
    yield* fake.linkPin(strong.code, "fake-owner")
    const token = yield* Fiber.join(waiting)
    const after = yield* pins.checkPin(strong)
    const user = yield* (yield* PlexAuth).getTokenDetails(token)
    const record = yield* fake.token(Redacted.value(token))

    const unknown = yield* Effect.flip(pins.checkPin({ id: 1 }))
    const expired = yield* Effect.flip(
      pins.waitForToken({ id: weak.id, expiresAt: DateTime.unsafeMake((yield* DateTime.now).epochMillis + 250) }, {
        interval: INTERVAL
      })
    )

    const log = yield* fake.requests
    const polls = log.filter((entry) => entry.path === `/api/v2/pins/${strong.id}`)
    const pinCalls = log.filter((entry) => entry.path.startsWith("/api/v2/pins"))
    return {
      strong: { code: /^[a-z0-9]{25}$/.test(strong.code), expiresIn: strong.expiresIn, token: strong.authToken },
      weak: { code: /^[A-Z0-9]{4}$/.test(weak.code), expiresIn: weak.expiresIn },
      clientIdentifier: strong.clientIdentifier,
      product: strong.product,
      before: Option.isNone(before),
      stillWaiting,
      linked: Option.exists(after, (checked) => Redacted.value(checked) === Redacted.value(token)),
      tokenShape: /^FAKEsignin\d+$/.test(Redacted.value(token)),
      tokenOwner: [record?.accountId, record?.clientIdentifier],
      username: user.username,
      unknown: unknown._tag === "PlexPinExpiredError" && unknown.pinId,
      expired: expired._tag === "PlexPinExpiredError" && expired.pinId === weak.id,
      polledSeveralTimes: polls.length >= 3,
      pinStatuses: [...new Set(pinCalls.map((entry) => `${entry.method} ${entry.status}`))],
      tokensSent: [...new Set(pinCalls.map((entry) => entry.tokenIn))]
    }
  }).pipe(Effect.provide(layer))

const services = Layer.mergeAll(PlexPinAuth.layer, PlexAuth.layer)

const inMemory = services.pipe(
  Layer.provide(PlexConfig.layer({ client })),
  Layer.provideMerge(PlexTvFake.layer({ accounts }))
)

const overHttp = services.pipe(
  Layer.provide(PlexTvServer.layerConfig(client)),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer({ accounts }))
)

describe("PIN linking through both front doors", () => {
  it.live("PlexTvServer over undici answers like the in-memory fake", () =>
    Effect.gen(function*() {
      const [memory, http] = yield* Effect.all([scenario(inMemory), scenario(overHttp)], { concurrency: 2 })
      assert.deepStrictEqual(http, memory)
      assert.deepStrictEqual(http, {
        strong: { code: true, expiresIn: 1800, token: undefined },
        weak: { code: true, expiresIn: 900 },
        clientIdentifier: CLIENT_ID,
        product: "effect-plex node test",
        before: true,
        stillWaiting: true,
        linked: true,
        tokenShape: true,
        tokenOwner: [accounts[0]!.id, CLIENT_ID],
        username: "fake-owner",
        unknown: 1,
        expired: true,
        polledSeveralTimes: true,
        pinStatuses: ["POST 201", "GET 200", "GET 404"],
        tokensSent: ["none"]
      })
    }))

  it.live("interrupting the wait stops the requests to the server", () =>
    Effect.gen(function*() {
      const pins = yield* PlexPinAuth
      const fake = yield* PlexTvFake
      const pin = yield* pins.createPin()
      const count = Effect.map(fake.requests, (log) => log.filter((e) => e.path === `/api/v2/pins/${pin.id}`).length)
      const fiber = yield* Effect.fork(pins.waitForToken(pin, { interval: INTERVAL }))
      // polling has begun (bounded wait in real time: a loaded machine may be slow to get there)
      for (const until = Date.now() + 20_000; (yield* count) < 2;) {
        if (Date.now() > until) return assert.fail("the wait never polled twice")
        yield* Effect.sleep("10 millis")
      }
      yield* Fiber.interrupt(fiber)
      const atInterrupt = yield* count
      assert.isAtLeast(atInterrupt, 2)
      yield* Effect.sleep("400 millis")
      assert.strictEqual(yield* count, atInterrupt)
    }).pipe(Effect.provide(overHttp)))
})
