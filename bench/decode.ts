/**
 * Decode time of a full account payload (the owner's `GET /api/v2/user` body, as the bench's fake
 * sends it), with tinybench: `JSON.parse` alone (what raw undici does), the `PlexUser` Schema
 * decode of the parsed object (compiled once, the library's options), both, and plexjs's zod
 * schema of the same account (`GetTokenDetailsUserPlexAccount$inboundSchema`, what plexjs runs on
 * every answer) with and without the parse. One tinybench run per round; prints one JSON line:
 * per task, the mean and p99 (ns) of each round.
 *
 *   pnpm exec tsx --conditions=@effect-plex/source bench/decode.ts [rounds] [timeMs]
 */
import { PlexUser } from "@effect-plex/core"
import { PlexTvModel } from "@effect-plex/core/testing"
import { GetTokenDetailsUserPlexAccount$inboundSchema as plexjsAccount } from "@lukehagar/plexjs/sdk/models/operations/gettokendetails.js"
import * as Schema from "effect/Schema"
import { Bench } from "tinybench"
import { benchOwner } from "./account.js"
import { decodeUserFast } from "../packages/core/src/internal/userDecode.js"
import { checkAccount, CLIENT_IDENTIFIER, OWNER_TOKEN } from "./shared.js"

const rounds = Number(process.argv[2] ?? 5)
const time = Number(process.argv[3] ?? 500)

const [response] = PlexTvModel.handle(
  PlexTvModel.make({ accounts: [benchOwner] }),
  {
    method: "GET",
    url: "/api/v2/user",
    headers: { "x-plex-client-identifier": CLIENT_IDENTIFIER, "x-plex-token": OWNER_TOKEN, accept: "application/json" },
    body: ""
  },
  Date.now()
)
if (response.status !== 200) throw new Error(`status ${response.status}`)
const text = response.body
const parsed: unknown = JSON.parse(text)

// the Schema decode alone: what the library falls back to when an account is not of the common shape
const decode = Schema.decodeUnknownEither(PlexUser, { errors: "all", onExcessProperty: "ignore" })
// what `getTokenDetails` and `signIn` run: the fast path, with the Schema decode as its fallback
const libraryDecodeOrThrow = (u: unknown) => {
  const result = decodeUserFast(u)
  if (result._tag === "Left") throw new Error(String(result.left))
  return result.right
}
const decodeOrThrow = (u: unknown) => {
  const result = decode(u)
  if (result._tag === "Left") throw new Error(String(result.left))
  return result.right
}
checkAccount(decodeOrThrow(parsed).id)
checkAccount(libraryDecodeOrThrow(parsed).id)
checkAccount(plexjsAccount.parse(parsed).id)

let sink: unknown
const tasks: Record<string, () => void> = {
  "JSON.parse": () => {
    sink = JSON.parse(text)
  },
  "Schema decode": () => {
    sink = decodeOrThrow(parsed)
  },
  "JSON.parse + Schema decode": () => {
    sink = decodeOrThrow(JSON.parse(text))
  },
  "library decode": () => {
    sink = libraryDecodeOrThrow(parsed)
  },
  "JSON.parse + library decode": () => {
    sink = libraryDecodeOrThrow(JSON.parse(text))
  },
  "plexjs zod decode": () => {
    sink = plexjsAccount.parse(parsed)
  },
  "JSON.parse + plexjs zod decode": () => {
    sink = plexjsAccount.parse(JSON.parse(text))
  }
}

const results: Record<string, Array<{ readonly meanNs: number; readonly p99Ns: number }>> = {}
for (let r = 0; r < rounds; r++) {
  const bench = new Bench({ time, warmupTime: Math.min(200, time) })
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn)
  await bench.run()
  for (const task of bench.tasks) {
    const result = task.result
    if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`)
    ;(results[task.name] ??= []).push({ meanNs: result.latency.mean * 1e6, p99Ns: result.latency.p99 * 1e6 })
  }
}
if (sink === undefined) throw new Error("nothing decoded")

console.log(JSON.stringify({ bytes: Buffer.byteLength(text), results }))
