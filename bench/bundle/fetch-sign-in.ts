/**
 * The bundle-size program on `FetchHttpClient` (core only): sign in, print the account.
 */
import { PasswordCredentials, PlexAuth, PlexConfig } from "@effect-plex/core"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const AuthLive = PlexAuth.layer.pipe(
  Layer.provide(PlexConfig.layer({ baseUrl: process.argv[2]!, client: { clientIdentifier: "effect-plex-bench" } })),
  Layer.provide(FetchHttpClient.layer)
)

const program = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const credentials = PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
  const user = yield* auth.signIn(credentials)
  console.log(`signed in as ${user.username}`)
})

Effect.runPromise(Effect.provide(program, AuthLive))
