/**
 * The fake plex.tv for the bench, in a process of its own: the model of `PlexTvFake` (the owner
 * account plus the 100 tokens of the cache bench, see `account.ts`; no rate limit, no request log)
 * behind a plain `node:http` front door on 127.0.0.1 that sends bodies in one of four ways
 * (`BodyMode`): chunked, with `Content-Length`, and each gzip-compressed when the client offers
 * `Accept-Encoding: gzip` (compressed once per distinct body, then kept, so the server's cost stays
 * about the same in every mode). Prints its base URL on the first line of stdout; over an IPC
 * channel (when started by `run.ts`) it answers how many requests it has served (and how many
 * with a gzip body), and switches its way of sending bodies. Ends when its parent goes away.
 *
 *   pnpm exec tsx --conditions=@effect-plex/source bench/server.ts [chunked|length|gzip-chunked|gzip-length]
 */
import { PlexTvFake } from "@effect-plex/core/testing"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Zlib from "node:zlib"
import { benchOwner } from "./account.js"
import { type BodyMode, type FromServer, isBodyMode, type ToServer } from "./shared.js"

const first = process.argv[2] ?? "chunked"
if (!isBodyMode(first)) throw new Error(`unknown body mode ${first}`)
let mode: BodyMode = first
let requests = 0
let gzipped = 0

const options = {
  accounts: [benchOwner],
  settings: { rateLimit: undefined, logLimit: 0 }
}

if (process.send !== undefined) {
  process.on("message", (message: ToServer) => {
    if (message.type === "body") mode = message.mode
    process.send!({ type: "count", requests, gzipped } satisfies FromServer)
  })
  process.on("disconnect", () => process.exit(0))
}

const headersOf = (request: Http.IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return headers
}

/** Whether `Accept-Encoding` offers gzip (not refused with `q=0`). */
const offersGzip = (acceptEncoding: string | undefined) =>
  acceptEncoding !== undefined &&
  acceptEncoding.split(",").some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(";")
    if (coding !== "gzip" && coding !== "*") return false
    return !params.some((p) => /^\s*q\s*=\s*0(\.0*)?\s*$/.test(p))
  })

/** Bodies compressed once, then kept (a few distinct bodies: the account, a sign-in answer, errors). */
const compressedBodies = new Map<string, Buffer>()
const gzipOf = (body: string): Buffer => {
  let found = compressedBodies.get(body)
  if (found === undefined) {
    found = Zlib.gzipSync(body)
    if (compressedBodies.size >= 256) compressedBodies.clear()
    compressedBodies.set(body, found)
  }
  return found
}

const send = (
  request: Http.IncomingMessage,
  response: Http.ServerResponse,
  answer: { readonly status: number; readonly headers: Readonly<Record<string, string>>; readonly body: string }
) => {
  if (answer.status === 204 || answer.status === 304) {
    response.writeHead(answer.status, answer.headers).end()
    return
  }
  const gzip = (mode === "gzip-chunked" || mode === "gzip-length") && offersGzip(request.headers["accept-encoding"])
  const body = gzip ? gzipOf(answer.body) : Buffer.from(answer.body, "utf8")
  const headers: Record<string, string> = { ...answer.headers }
  if (gzip) {
    gzipped++
    headers["content-encoding"] = "gzip"
    headers["vary"] = "Accept-Encoding"
  }
  if (mode === "length" || mode === "gzip-length") {
    headers["content-length"] = String(body.length)
    response.writeHead(answer.status, headers).end(body)
  } else {
    // the head is stored before the body is known: node sends the body chunked (as the fake's own front door)
    response.writeHead(answer.status, headers)
    response.end(body)
  }
}

const MAX_BODY = 1024 * 1024

const main = Effect.gen(function*() {
  const fake = yield* PlexTvFake.make(options)
  const runFork = Runtime.runFork(yield* Effect.runtime<never>())
  const server = Http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        response.writeHead(413).end()
        request.destroy()
        return
      }
      chunks.push(chunk)
    })
    request.on("end", () => {
      requests++
      const fiber = runFork(fake.handle({
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: headersOf(request),
        body: Buffer.concat(chunks).toString("utf8")
      }))
      fiber.addObserver((exit) => {
        if (response.headersSent || response.destroyed) return
        if (Exit.isSuccess(exit) && exit.value.transport === undefined) send(request, response, exit.value)
        else response.writeHead(500).end()
      })
    })
  })
  server.keepAliveTimeout = 5_000
  yield* Effect.async<void>((resume) => {
    server.listen(0, "127.0.0.1", () => resume(Effect.void))
  })
  console.log(`http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`)
  return yield* Effect.never
})

main.pipe(NodeRuntime.runMain)
