/**
 * The consumer test's program (scripts/ci/consumer.sh copies it into a fresh project outside the
 * workspace, where the packed tarballs are installed with npm). It starts the local fake plex.tv,
 * signs in through `PlexNode.layer` configured from the environment, reads the account behind the
 * token, creates a PIN, and prints where the client identifier is kept. Needs only `effect`,
 * `@effect/platform` and the two packages.
 */
import { PasswordCredentials, PlexAuth, PlexPinAuth } from "@effect-plex/core"
import { FakeAccount } from "@effect-plex/core/testing"
import { ClientIdentifier, PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const program = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const user = yield* auth.signIn(
    PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
  )
  const again = yield* auth.getTokenDetails(user.authToken)
  const pin = yield* (yield* PlexPinAuth).createPin()
  yield* Console.log(`signed in as ${again.username ?? "?"} (account ${again.id}), PIN ${pin.id} created`)
  yield* Console.log(`client identifier kept in ${yield* ClientIdentifier.directory}`)
})

/** `PlexNode.layer` with the environment, but `PLEX_BASE_URL` pointed at the local fake. */
const PlexLive = Layer.unwrapScoped(
  Effect.map(PlexTvServer, (server) =>
    PlexNode.layer.pipe(Layer.provide(Layer.setConfigProvider(
      ConfigProvider.fromMap(new Map([["PLEX_BASE_URL", server.baseUrl]])).pipe(
        ConfigProvider.orElse(() => ConfigProvider.fromEnv())
      )
    ))))
).pipe(Layer.provideMerge(PlexTvServer.layer({ accounts: [FakeAccount.owner] })))

Effect.runPromise(
  program.pipe(
    Effect.provide(PlexLive),
    Effect.withConfigProvider(ConfigProvider.fromEnv())
  )
).catch((error: unknown) => {
  console.error(String(error))
  process.exitCode = 1
})
