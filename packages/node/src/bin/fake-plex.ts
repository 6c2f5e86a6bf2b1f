/**
 * `pnpm fake-plex`: the fake plex.tv on 127.0.0.1, on its own, until Ctrl+C.
 *
 * @since 0.1.0
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { parseArgs } from "node:util"
import { FakeAccount, FakeFault, type FakeFaultPlan, type FakeFaultStep, PlexTvModel } from "@effect-plex/core/testing"
import { PlexTvServer } from "../testing/PlexTvServer.js"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "no-rate-limit": { type: "boolean", default: false },
    "retry-after": { type: "string" },
    "revoked-body": { type: "string", default: "xml" },
    latency: { type: "string" },
    fault: { type: "string", multiple: true },
    "fault-rate": { type: "string" },
    "fault-seed": { type: "string", default: "1" },
    "fault-mix": { type: "string" },
    "fault-path": { type: "string", multiple: true },
    help: { type: "boolean", short: "h", default: false }
  }
})

if (values.help) {
  console.log(`Usage: pnpm fake-plex [--port N] [--no-rate-limit] [--retry-after SECONDS|none] [--revoked-body xml|json]

       [--latency MS] [--fault SPEC]... [--fault-path PATH]...
       [--fault-rate RATE [--fault-seed N] [--fault-mix SPEC,...]]

Serves the fake plex.tv of @effect-plex/core/testing on 127.0.0.1 until interrupted.

Faults (see FakeFaultPlan):
  --latency MS        added before every answer
  --fault SPEC        spoils the next request(s), in the order given; SPEC is one of
                      500 502 503 504 429 429:SECONDS 429:HTTP-DATE html[:STATUS] xml truncated-json reset
                      reset-mid-body endless silence huge[:BYTES[:STATUS]] huge-no-length[:BYTES[:STATUS]]
                      delay:MS, and hostile bodies:
                      markup:unclosed-attribute|repeated-open|entity-run[:STATUS[:xml|html[:BYTES]]]
                      deep-json:array|object[:STATUS[:DEPTH]] malformed-json[:STATUS] drip[:MS]
                      gzip-bomb[:BYTES] deflate-bomb[:BYTES] redirect[:STATUS[:http://127.0.0.1:PORT/PATH]],
                      with *N for N requests (e.g. 503*3)
  --fault-rate RATE   then spoils that share (0 to 1) of requests at random, seeded by --fault-seed,
                      drawn from --fault-mix: SPEC,... or "hostile" (every fault and hostile body)
                      (default: every kind of fault, no hostile body)
  --fault-path PATH   only requests to these routes (such as /api/v2/users/signin or /api/v2/pins/:id)`)
  process.exit(0)
}

const fail = (message: string): never => {
  console.error(message)
  return process.exit(2)
}

const port = /^\d+$/.test(values.port ?? "") ? Number(values.port) : Number.NaN
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  fail(`--port must be a port number, not ${JSON.stringify(values.port)}`)
}
const retryAfterFlag = values["retry-after"]
if (retryAfterFlag !== undefined && retryAfterFlag !== "none" && !/^\d+$/.test(retryAfterFlag)) {
  fail(`--retry-after must be a whole number of seconds or "none", not ${JSON.stringify(retryAfterFlag)}`)
}
const revokedTokenBody = values["revoked-body"] === "json" ? "json" : "xml"

const step = (spec: string): FakeFaultStep =>
  FakeFault.parse(spec) ?? fail(`--fault: ${JSON.stringify(spec)} is not a fault (see --help)`)
const latency = values.latency === undefined ? undefined : Number(values.latency)
if (latency !== undefined && !(Number.isInteger(latency) && latency >= 0)) {
  fail("--latency must be a whole number of milliseconds")
}
const faultRate = values["fault-rate"] === undefined ? undefined : Number(values["fault-rate"])
if (faultRate !== undefined && !(faultRate >= 0 && faultRate <= 1)) fail("--fault-rate must be between 0 and 1")
const faultSeed = Number(values["fault-seed"])
if (!Number.isInteger(faultSeed)) fail("--fault-seed must be an integer")
const faults: FakeFaultPlan = {
  latencyMillis: latency,
  next: (values.fault ?? []).map(step),
  random: faultRate === undefined ? undefined : {
    rate: faultRate,
    seed: faultSeed,
    faults: values["fault-mix"] === "hostile"
      ? FakeFault.hostileMix
      : values["fault-mix"]?.split(",").map((spec) => step(spec).fault)
  },
  paths: values["fault-path"]
}
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
  if (latency !== undefined) console.log(`faults: ${latency} ms added to every answer`)
  for (const { fault, times } of faults.next ?? []) console.log(`faults: ${FakeFault.describe(fault)} × ${times ?? 1}`)
  if (faults.random !== undefined) console.log(`faults: ${faults.random.rate * 100}% at random, seed ${faultSeed}`)
  return yield* Effect.never
})

main.pipe(
  Effect.provide(PlexTvServer.layer({ accounts, port, settings: { rateLimit, revokedTokenBody }, faults })),
  NodeRuntime.runMain
)
