/**
 * Call a plex.tv endpoint the library does not wrap, with the same retries, rate-limit gate,
 * deadline, secret handling and typed errors as every built-in call: describe it once as a
 * `PlexEndpoint` (method, path, host, idempotency, success schema, error rules) and run it with
 * `PlexClient.execute`.
 *
 *   pnpm example examples/custom-endpoint.ts     # against a local fake plex.tv (signs in first)
 *
 * Against the real plex.tv, set PLEX_TOKEN.
 */
import { PasswordCredentials, PlexAuth, PlexClient, PlexEndpoint, PlexHttpError } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { hasEnv, localPlexNode } from "./internal/plex.js"

const real = hasEnv("PLEX_TOKEN")

/** Only the fields this app needs of the account: everything else plex.tv sends is ignored. */
const Roles = PlexEndpoint.make({
  name: "MyApp.roles",
  method: "GET",
  path: "/api/v2/user",
  idempotent: true, // retried per PlexConfig.retry on 429, 502/503/504, timeouts, network errors
  success: Schema.Struct({
    username: Schema.String,
    roles: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
  })
})

/** The keep-alive answer, read this time (the built-in `PlexAuth.ping` ignores it). */
const Pong = PlexEndpoint.make({
  name: "MyApp.pong",
  method: "GET",
  path: "/api/v2/ping",
  idempotent: true,
  success: Schema.Struct({ pong: Schema.Boolean })
})

/** An endpoint this fake does not serve, with an error rule of its own: 404 means "not here". */
class NotServedHere extends Data.TaggedError("NotServedHere")<{ readonly status: number }> {}

const Devices = PlexEndpoint.make({
  name: "MyApp.devices",
  method: "GET",
  path: "/api/v2/devices/{kind}",
  idempotent: true,
  success: Schema.Array(Schema.Struct({ name: Schema.String })),
  rules: [(failure) => failure.status === 404 ? new NotServedHere({ status: failure.status }) : undefined]
})

const program = Effect.gen(function*() {
  const token = real
    ? yield* Config.redacted("PLEX_TOKEN")
    : (yield* (yield* PlexAuth).signIn(
      PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
    )).authToken
  const client = yield* PlexClient

  const me = yield* client.execute(Roles, { token })
  yield* Console.log(`roles of ${me.username}: ${me.roles.join(", ") || "(none)"}`)

  const { pong } = yield* client.execute(Pong, { token })
  yield* Console.log(`pong: ${pong}`)

  // path parameters are URL-encoded; the token goes in X-Plex-Token, never the URL
  yield* client.execute(Devices, { token, path: { kind: "players & more" } }).pipe(
    Effect.flatMap((devices) => Console.log(`devices: ${devices.length}`)),
    Effect.catchTag("NotServedHere", (error) => Console.log(`devices: NotServedHere (HTTP ${error.status})`)),
    Effect.catchIf(
      (error): error is PlexHttpError => error instanceof PlexHttpError,
      (error) => Console.log(`devices: ${error._tag} (HTTP ${error.status})`)
    )
  )
})

program.pipe(
  Effect.provide(real ? PlexNode.layer : localPlexNode),
  NodeRuntime.runMain
)
