/**
 * The bundle-size program on the Node layer (`PlexNode.layer`): sign in, print the account.
 */
import { PasswordCredentials, PlexAuth } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

const program = Effect.gen(function*() {
  const auth = yield* PlexAuth
  const credentials = PasswordCredentials.make({ login: "fake-owner", password: Redacted.make("owner-password") })
  const user = yield* auth.signIn(credentials)
  console.log(`signed in as ${user.username}`)
})

Effect.runPromise(Effect.provide(program, PlexNode.layer))
