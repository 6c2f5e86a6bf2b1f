/**
 * `pnpm fake-plex`: the fake plex.tv on 127.0.0.1, on its own, until Ctrl+C.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { parseArgs } from "node:util"
import { FakeAccount, PlexTvModel } from "@effect-plex/core/testing"
import { PlexTvServer } from "../testing/PlexTvServer.js"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "no-rate-limit": { type: "boolean", default: false },
    "retry-after": { type: "string" },
    "revoked-body": { type: "string", default: "xml" },
    help: { type: "boolean", short: "h", default: false }
  }
})

if (values.help) {
  console.log(`Usage: pnpm fake-plex [--port N] [--no-rate-limit] [--retry-after SECONDS|none] [--revoked-body xml|json]

Serves the fake plex.tv of @effect-plex/core/testing on 127.0.0.1 until interrupted.`)
  process.exit(0)
}

const fail = (message: string): never => {
  console.error(message)
  return process.exit(2)
}

const port = /^\d+$/.test(values.port ?? "") ? Number(values.port) : Number.NaN
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number, not ${JSON.stringify(values.port)}`)
const retryAfterFlag = values["retry-after"]
if (retryAfterFlag !== undefined && retryAfterFlag !== "none" && !/^\d+$/.test(retryAfterFlag)) {
  fail(`--retry-after must be a whole number of seconds or "none", not ${JSON.stringify(retryAfterFlag)}`)
}
const revokedTokenBody = values["revoked-body"] === "json" ? "json" : "xml"
const retryAfter = values["retry-after"]
const rateLimit = values["no-rate-limit"] ? undefined : {
  ...PlexTvModel.defaultSettings.rateLimit!,
  retryAfterSeconds: retryAfter === undefined ? 1 : retryAfter === "none" ? undefined : Number(retryAfter)
}

const accounts = [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed]

const main = Effect.gen(function*() {
  const server = yield* PlexTvServer
  console.log(`fake plex.tv listening on ${server.baseUrl}`)
  console.log(`  fake-owner / owner-password            token FAKEtokenOwner000001`)
  console.log(`  fake-2fa / twofactor-password, code 123456`)
  console.log(`  managed Home user                      token FAKEtokenManaged0002`)
  console.log(`try: PLEX_BASE_URL=${server.baseUrl} PLEX_LOGIN=fake-owner PLEX_PASSWORD=owner-password pnpm demo`)
  return yield* Effect.never
})

main.pipe(
  Effect.provide(PlexTvServer.layer({ accounts, port, settings: { rateLimit, revokedTokenBody } })),
  NodeRuntime.runMain
)
