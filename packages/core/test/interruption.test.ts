import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Supervisor from "effect/Supervisor"
import * as TestClock from "effect/TestClock"
import { PlexAuth, PlexDeviceKey, PlexHome, PlexJwtAuth, PlexPinAuth, PlexResources } from "@effect-plex/core"
import { FakeFault, type FakeFaultPlan, PlexTvFake } from "@effect-plex/core/testing"
import { fakeStack, MANAGED_UUID, OWNER_TOKEN, ownerCredentials, type Services } from "./reliabilitySupport.js"

interface Call {
  readonly name: string
  readonly path: string
  readonly setup: Effect.Effect<unknown, unknown, Services>
  readonly run: (setup: unknown) => Effect.Effect<unknown, unknown, Services>
}

const classicToken = Effect.map(Effect.flatMap(PlexAuth, (auth) => auth.signIn(ownerCredentials)), (u) => u.authToken)

/** Every call of every service: each must abort its request when interrupted. */
export const calls: ReadonlyArray<Call> = [
  {
    name: "PlexAuth.getTokenDetails",
    path: "/api/v2/user",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(OWNER_TOKEN))
  },
  {
    name: "PlexAuth.signIn",
    path: "/api/v2/users/signin",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexAuth, (auth) => auth.signIn(ownerCredentials))
  },
  {
    name: "PlexAuth.ping",
    path: "/api/v2/ping",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexAuth, (auth) => auth.ping(OWNER_TOKEN))
  },
  {
    name: "PlexAuth.signOut",
    path: "/api/v2/users/signout",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexAuth, (auth) => auth.signOut(OWNER_TOKEN))
  },
  {
    name: "PlexPinAuth.createPin",
    path: "/api/v2/pins",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexPinAuth, (pins) => pins.createPin())
  },
  {
    name: "PlexPinAuth.checkPin",
    path: "/api/v2/pins/:id",
    setup: Effect.flatMap(PlexPinAuth, (pins) => pins.createPin()),
    run: (pin) => Effect.flatMap(PlexPinAuth, (pins) => pins.checkPin(pin as { readonly id: number }))
  },
  {
    name: "PlexHome.users",
    path: "/api/v2/home/users",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexHome, (home) => home.users(OWNER_TOKEN))
  },
  {
    name: "PlexHome.switchTo",
    path: "/api/v2/home/users/:uuid/switch",
    setup: Effect.void,
    run: () =>
      Effect.flatMap(
        PlexHome,
        (home) => home.switchTo(OWNER_TOKEN, { uuid: MANAGED_UUID }, { pin: Redacted.make("2580") })
      )
  },
  {
    name: "PlexResources.list",
    path: "/api/v2/resources",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexResources, (resources) => resources.list(OWNER_TOKEN))
  },
  {
    name: "PlexJwtAuth.nonce",
    path: "/api/v2/auth/nonce",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexJwtAuth, (jwt) => jwt.nonce())
  },
  {
    name: "PlexJwtAuth.registerDevice",
    path: "/api/v2/auth/jwk",
    setup: classicToken,
    run: (token) =>
      Effect.flatMap(
        PlexDeviceKey.generate,
        (key) => Effect.flatMap(PlexJwtAuth, (jwt) => jwt.registerDevice(token as Redacted.Redacted<string>, key))
      )
  },
  {
    name: "PlexJwtAuth.exchange",
    path: "/api/v2/auth/token",
    setup: Effect.gen(function*() {
      const key = yield* PlexDeviceKey.generate
      const token = yield* classicToken
      yield* Effect.flatMap(PlexJwtAuth, (jwt) => jwt.registerDevice(token, key))
      return key
    }),
    run: (key) => Effect.flatMap(PlexJwtAuth, (jwt) => jwt.exchange(key as PlexDeviceKey))
  }
]

/** How long (real time) to wait for work that awaits real promises: wide, for a loaded machine. */
const SLACK = 10_000

/** Waits in real time (bounded) until the fake received a request matching `path` (for calls that await WebCrypto). */
const received = (path: string) => {
  const pattern = new RegExp(`^${path.replace(/:[a-z]+/g, "[^/]+")}$`)
  return Effect.gen(function*() {
    const fake = yield* PlexTvFake
    const until = Date.now() + SLACK
    while (Date.now() < until) {
      const log = yield* fake.requests
      if (log.some((entry) => pattern.test(entry.path))) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    assert.fail(`no request to ${path}`)
  })
}

const stalls: ReadonlyArray<readonly [string, (path: string) => FakeFaultPlan]> = [
  ["while the fake takes its time", (path) => ({ next: [{ fault: FakeFault.delay(60_000) }], paths: [path] })],
  ["while the body stalls after the headers", (path) => ({
    next: [{ fault: FakeFault.headersThenSilence }],
    paths: [path]
  })],
  ["while a body trickles in forever", (path) => ({ next: [{ fault: FakeFault.endlessBody }], paths: [path] })]
]

/** Polls (in real time, bounded widely for a loaded machine) until `condition` holds. */
const eventually = (condition: Effect.Effect<boolean>, message: string) =>
  Effect.gen(function*() {
    const until = Date.now() + SLACK
    while (Date.now() < until) {
      if (yield* condition) return
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    assert.fail(message)
  })

describe("interrupting a call aborts its request and leaves nothing behind", () => {
  for (const call of calls) {
    for (const [when, plan] of stalls) {
      it.effect(`${call.name}, ${when}`, () =>
        Effect.gen(function*() {
          const fake = yield* PlexTvFake
          const setup = yield* call.setup
          yield* fake.faults(plan(call.path))
          const supervisor = yield* Supervisor.track
          const fiber = yield* Effect.fork(Effect.supervised(call.run(setup), supervisor))
          yield* received(call.path)
          yield* TestClock.adjust("100 millis")
          assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)), "the call should still be waiting")

          yield* Fiber.interrupt(fiber)

          assert.isTrue(Exit.isInterrupted(yield* Fiber.await(fiber)))
          // every fiber the call started (timeouts, the fake's trickle) is gone, and with them their timers
          yield* eventually(Effect.map(supervisor.value, (fibers) => fibers.length === 0), "a fiber was left behind")
          assert.strictEqual((yield* fake.transportStats).aborted, 1, "the request was not aborted")
        }).pipe(Effect.provide(fakeStack({ config: { timeout: "10 minutes", deadline: "20 minutes" } }))))
    }
  }
})
