/**
 * The consumer test's command-line check (scripts/ci/consumer.sh copies it into the fresh project):
 * starts the local fake plex.tv, then runs the installed, built `plex-auth` against it as a user
 * would: `login --password` with the credentials in the environment, `whoami --json`, `logout`.
 * Fails unless each command exits 0 and `whoami` names the fake's owner.
 */
import { FakeAccount } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { promisify } from "node:util"

// asynchronous: the fake plex.tv answers from this very process
const plexAuth = (baseUrl: string, args: ReadonlyArray<string>): Effect.Effect<string> =>
  Effect.promise(() =>
    promisify(execFile)("node_modules/.bin/plex-auth", [...args], {
      encoding: "utf8",
      env: {
        ...process.env,
        PLEX_BASE_URL: baseUrl,
        PLEX_LOGIN: "fake-owner",
        PLEX_PASSWORD: "owner-password",
        PLEX_PRODUCT: "Consumer CLI",
        NO_COLOR: "1"
      },
      timeout: 60_000
    }).then(({ stdout }) => stdout)
  )

const program = Effect.gen(function*() {
  const server = yield* PlexTvServer
  const login = yield* plexAuth(server.baseUrl, ["login", "--password"])
  const whoami = JSON.parse(yield* plexAuth(server.baseUrl, ["whoami", "--json"])) as { readonly username?: unknown }
  if (whoami.username !== "fake-owner") throw new Error(`whoami --json: ${JSON.stringify(whoami)}`)
  yield* plexAuth(server.baseUrl, ["logout"])
  console.log(`plex-auth login --password: ${login.trim().split("\n")[0]}`)
  console.log(`plex-auth whoami --json: ${whoami.username}; logout: ok`)
})

Effect.runPromise(
  program.pipe(Effect.provide(PlexTvServer.layer({ accounts: [FakeAccount.owner] })), Effect.scoped)
).catch((error: unknown) => {
  console.error(String(error instanceof Error && "stderr" in error ? (error as { stderr: unknown }).stderr : error))
  process.exit(1)
})
