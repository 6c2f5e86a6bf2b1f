import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Supervisor from "effect/Supervisor"
import {
  PasswordCredentials,
  PlexAuth,
  PlexDeviceKey,
  PlexHome,
  PlexJwtAuth,
  PlexPinAuth,
  PlexResources
} from "@effect-plex/core"
import { FakeFault, type FakeFaultPlan } from "@effect-plex/core/testing"
import { eventually, type Services, startClient, startServer } from "./reliabilitySupport.js"

const token = Redacted.make("FAKEtokenOwner000001")
const credentials = PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
const classicToken = Effect.map(Effect.flatMap(PlexAuth, (auth) => auth.signIn(credentials)), (user) => user.authToken)

interface Call {
  readonly name: string
  readonly path: string
  readonly setup: Effect.Effect<unknown, unknown, Services>
  readonly run: (setup: unknown) => Effect.Effect<unknown, unknown, Services>
}

const calls: ReadonlyArray<Call> = [
  {
    name: "PlexAuth.getTokenDetails",
    path: "/api/v2/user",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(token))
  },
  {
    name: "PlexAuth.signIn",
    path: "/api/v2/users/signin",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexAuth, (auth) => auth.signIn(credentials))
  },
  {
    name: "PlexAuth.ping",
    path: "/api/v2/ping",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexAuth, (auth) => auth.ping(token))
  },
  {
    name: "PlexAuth.signOut",
    path: "/api/v2/users/signout",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexAuth, (auth) => auth.signOut(token))
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
    run: () => Effect.flatMap(PlexHome, (home) => home.users(token))
  },
  {
    name: "PlexHome.switchTo",
    path: "/api/v2/home/users/:uuid/switch",
    setup: Effect.void,
    run: () =>
      Effect.flatMap(
        PlexHome,
        (home) => home.switchTo(token, { uuid: "1e1e1e1e1e1e1e1e" }, { pin: Redacted.make("2580") })
      )
  },
  {
    name: "PlexResources.list",
    path: "/api/v2/resources",
    setup: Effect.void,
    run: () => Effect.flatMap(PlexResources, (resources) => resources.list(token))
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
    run: (classic) =>
      Effect.flatMap(
        PlexDeviceKey.generate,
        (key) => Effect.flatMap(PlexJwtAuth, (jwt) => jwt.registerDevice(classic as Redacted.Redacted<string>, key))
      )
  },
  {
    name: "PlexJwtAuth.exchange",
    path: "/api/v2/auth/token",
    setup: Effect.gen(function*() {
      const key = yield* PlexDeviceKey.generate
      const classic = yield* classicToken
      yield* Effect.flatMap(PlexJwtAuth, (jwt) => jwt.registerDevice(classic, key))
      return key
    }),
    run: (key) => Effect.flatMap(PlexJwtAuth, (jwt) => jwt.exchange(key as PlexDeviceKey))
  }
]

const stalls: ReadonlyArray<readonly [string, (path: string) => FakeFaultPlan]> = [
  ["while the server takes its time", (path) => ({ next: [{ fault: FakeFault.delay(60_000) }], paths: [path] })],
  ["while the body stalls after the headers", (path) => ({
    next: [{ fault: FakeFault.headersThenSilence }],
    paths: [path]
  })],
  ["while a body trickles in forever", (path) => ({ next: [{ fault: FakeFault.endlessBody }], paths: [path] })]
]

const pathPattern = (path: string) => new RegExp(`^${path.replace(/:[a-z]+/g, "[^/]+")}$`)

/** How long (real time) to wait for what follows an interruption: wide, for a loaded machine. */
const SLACK = 10_000

/** Live timers of this process (Node's own count), to see that none is left behind. */
const timers = Effect.sync(() => process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length)

describe("interrupting a call over HTTP aborts its request and leaves nothing behind", () => {
  for (const call of calls) {
    for (const [when, plan] of stalls) {
      it.live(`${call.name}, ${when}: the server sees the connection closed`, () =>
        Effect.gen(function*() {
          const { context, fake, server } = yield* startServer()
          const client = yield* startClient(context, { timeout: "1 minute", deadline: "2 minutes" })
          const setup = yield* client.run(call.setup)
          yield* fake.faults(plan(call.path))
          const timersBefore = yield* timers
          const supervisor = yield* Supervisor.track
          const pattern = pathPattern(call.path)
          const sent = Effect.map(fake.requests, (log) => log.some((entry) => pattern.test(entry.path)))

          const fiber = yield* Effect.fork(Effect.supervised(client.run(call.run(setup)), supervisor))
          yield* eventually(sent, "the request never reached the server", SLACK)
          yield* Effect.sleep("60 millis")
          assert.isTrue(Option.isNone(yield* Fiber.poll(fiber)), "the call should still be waiting")

          yield* Fiber.interrupt(fiber)

          assert.isTrue(Exit.isInterrupted(yield* Fiber.await(fiber)))
          const aborted = Effect.map(server.transportStats, (stats) => stats.aborted === 1)
          yield* eventually(aborted, "the server saw no abort", SLACK)
          yield* eventually(
            Effect.map(supervisor.value, (fibers) => fibers.length === 0),
            "a fiber was left behind",
            SLACK
          )
          yield* eventually(Effect.map(timers, (n) => n <= timersBefore), "a timer was left behind", SLACK)
          // closing the client waits for its requests: one it failed to abort would hang here
          yield* client.close
          yield* eventually(Effect.map(server.openConnections, (n) => n === 0), "a socket outlived the client", SLACK)
        }).pipe(Effect.scoped))
    }
  }
})
