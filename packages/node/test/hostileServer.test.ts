/**
 * A hostile server on 127.0.0.1 in front of the library, with every HTTP client a user may give it:
 * redirects that would carry the token elsewhere, compression bombs, bodies built to stall a
 * parser. Nothing reaches the second server, nothing inflates past `maxBodySize`, nothing blocks
 * the event loop.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import type * as Net from "node:net"
import { monitorEventLoopDelay } from "node:perf_hooks"
import * as Zlib from "node:zlib"
import { PlexAuth, PlexConfig, PlexError, type PlexHttpError } from "@effect-plex/core"
import { PlexNode } from "@effect-plex/node"

const TOKEN = "SENTINEL-hostile-token-71c2"

interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
}

type Handler = (request: Http.IncomingMessage, response: Http.ServerResponse) => void

/** A server on 127.0.0.1 that answers with whatever `handler` is set to, and records what it receives. */
const server = (initial: Handler): Effect.Effect<
  { readonly port: number; readonly seen: Array<Seen>; set: (handler: Handler) => void },
  never,
  Scope.Scope
> =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly seen: Array<Seen>; set: (h: Handler) => void; close: () => void }>(
      (resume) => {
        const seen: Array<Seen> = []
        let handler = initial
        const sockets = new Set<Net.Socket>()
        const http = Http.createServer((request, response) => {
          seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers })
          request.resume()
          response.on("error", () => {})
          handler(request, response)
        })
        http.on("connection", (socket) => {
          sockets.add(socket)
          socket.on("close", () => sockets.delete(socket))
          socket.on("error", () => {})
        })
        http.listen(0, "127.0.0.1", () =>
          resume(Effect.succeed({
            port: (http.address() as Net.AddressInfo).port,
            seen,
            set: (h) => {
              handler = h
            },
            close: () => {
              for (const socket of sockets) socket.destroy()
              http.close()
            }
          })))
      }
    ),
    ({ close }) => Effect.sync(close)
  )

const user = JSON.stringify({ id: 1, uuid: "0f0f0f0f0f0f0f0f", username: "evil", authToken: "EVIL" })

/** Every kind of `HttpClient` a user may hand the library. */
const clients: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["the undici client of @effect-plex/node", PlexNode.layerHttpClient],
  ["the platform's undici client", PlexNode.layerPlatformHttpClient],
  ["the platform's node:http client", NodeHttpClient.layer],
  ["FetchHttpClient", FetchHttpClient.layer],
  [
    "FetchHttpClient with the application's own RequestInit (redirect: follow)",
    FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.RequestInit, { redirect: "follow" })))
  ]
]

const authOver = (port: number, client: Layer.Layer<HttpClient.HttpClient>, extra: Record<string, unknown> = {}) =>
  PlexAuth.layer.pipe(
    Layer.provide(PlexConfig.layer({
      baseUrl: `http://127.0.0.1:${port}`,
      client: { clientIdentifier: "hostile-test", product: "hostile-test" },
      timeout: "20 seconds",
      retry: { times: 0 },
      ...extra
    })),
    Layer.provide(client)
  )

const getTokenDetails = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make(TOKEN)))

const typedFailure = <A, E>(exit: Exit.Exit<A, E>): E => {
  assert.isTrue(Exit.isFailure(exit), "expected the call to fail")
  if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") return assert.fail(`not a typed failure: ${String(exit)}`)
  return exit.cause.error
}

describe("no redirect carries the token anywhere", () => {
  for (const [name, client] of clients) {
    for (const status of [301, 302, 303, 307, 308]) {
      it.scopedLive(`${name}, ${status}: PlexHttpError naming the host; the other server receives nothing`, () =>
        Effect.gen(function*() {
          const elsewhere = yield* server((_, response) => {
            response.writeHead(200, { "content-type": "application/json" })
            response.end(user)
          })
          const plex = yield* server((_, response) => {
            response.writeHead(status, { location: `http://127.0.0.1:${elsewhere.port}/api/v2/user?steal=1` })
            response.end()
          })
          const exit = yield* Effect.exit(getTokenDetails.pipe(Effect.provide(authOver(plex.port, client))))
          const error = typedFailure(exit) as PlexHttpError
          assert.strictEqual(error._tag, "PlexHttpError")
          assert.strictEqual(error.status, status)
          assert.strictEqual(error.redirectHost, `127.0.0.1:${elsewhere.port}`)
          assert.notInclude(JSON.stringify(error) + error.message, "steal")
          assert.strictEqual(elsewhere.seen.length, 0)
          assert.strictEqual(plex.seen.length, 1)
        }))
    }
  }

  it.scopedLive("a client that follows redirects by itself: the other host's answer is never taken for plex.tv's", () =>
    Effect.gen(function*() {
      const elsewhere = yield* server((_, response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.end(user)
      })
      const plex = yield* server((_, response) => {
        response.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/api/v2/user` })
        response.end()
      })
      const following = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, HttpClient.followRedirects())
      ).pipe(Layer.provide(NodeHttpClient.layer))
      const error = typedFailure(
        yield* Effect.exit(getTokenDetails.pipe(Effect.provide(authOver(plex.port, following))))
      ) as PlexHttpError
      assert.strictEqual(error._tag, "PlexHttpError")
      assert.strictEqual(error.redirectHost, `127.0.0.1:${elsewhere.port}`)
    }))
})

describe("maxBodySize bounds the bytes decoded, after decompression", () => {
  // 128 MiB of zeros, compressed to a few hundred KiB: what a bomb looks like
  const inflated = 128 * 1024 * 1024
  const bombs = {
    gzip: Zlib.gzipSync(Buffer.alloc(inflated, 0x20), { level: 9 }),
    deflate: Zlib.deflateSync(Buffer.alloc(inflated, 0x20), { level: 9 })
  }
  for (const [name, client] of clients) {
    for (const [encoding, body] of Object.entries(bombs)) {
      for (const status of [200, 401]) {
        it.scopedLive(
          `${name}, a ${encoding} bomb answering ${status}: a typed error, nothing inflated past the limit`,
          () =>
            Effect.gen(function*() {
              const plex = yield* server((_, response) => {
                response.writeHead(status, {
                  "content-type": "application/json",
                  "content-encoding": encoding,
                  "content-length": String(body.length)
                })
                response.end(body)
              })
              const before = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed
              const exit = yield* Effect.exit(
                getTokenDetails.pipe(Effect.provide(authOver(plex.port, client, { maxBodySize: 1024 * 1024 })))
              )
              const error = typedFailure(exit)
              assert.isTrue(PlexError.is(error))
              assert.strictEqual(error._tag, status === 200 ? "PlexDecodeError" : "PlexUnauthorizedError")
              const after = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed
              // far less than the 128 MiB the body inflates to (garbage collection may lag: a wide bound)
              assert.isBelow(after - before, 64 * 1024 * 1024)
            }),
          60_000
        )
      }
    }
  }
})

describe("no body up to maxBodySize blocks the event loop for more than 50 ms", () => {
  const size = 4 * 1024 * 1024 - 1
  const fill = (head: string, unit: string, tail = "") => {
    const count = Math.floor((size - head.length - tail.length) / unit.length)
    return Buffer.from(head + unit.repeat(count) + tail)
  }
  const bodies: ReadonlyArray<readonly [string, string, Buffer]> = [
    ["an error attribute never closed", "application/xml", fill("<errors><error code=\"", " ")],
    ["<error repeated", "application/xml", fill("<errors>", "<error ")],
    ["attributes without end", "application/xml", fill("<errors><error ", "a=\"b\" ")],
    ["unterminated quotes and tags", "text/xml", fill("", "<error a='<error b=\"")],
    ["ampersands", "application/xml", fill("<errors><error message=\"", "&#x", "\"/></errors>")],
    ["an HTML page of tags", "text/html", fill("<html>", "<error><errors><")],
    ["nested arrays", "application/json", fill("", "[")],
    ["nested objects", "application/json", fill("", "{\"a\":")],
    ["an object of many keys", "application/json", fill("{", "\"k\":1,", "\"z\":1}")],
    ["an array of many numbers", "application/json", fill("[", "1,", "1]")],
    ["an errors list of many entries", "application/json", fill("{\"errors\":[", "{\"code\":1001},", "{}]}")],
    ["a long run of backslashes in a string", "application/json", fill("{\"a\":\"", "\\\\", "\"}")]
  ]
  /** The longest the event loop stood still during `effect`, in ms. */
  const maxDelay = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.acquireUseRelease(
      Effect.sync(() => {
        const histogram = monitorEventLoopDelay({ resolution: 5 })
        histogram.enable()
        return histogram
      }),
      (histogram) => Effect.map(Effect.exit(effect), (exit) => ({ exit, histogram })),
      (histogram) => Effect.sync(() => histogram.disable())
    ).pipe(Effect.map(({ exit, histogram }) => ({ exit, millis: histogram.max / 1e6 })))

  for (const [name, contentType, body] of bodies) {
    for (const status of [200, 401, 503]) {
      it.scopedLive(`${name} (${contentType}, HTTP ${status})`, () =>
        Effect.gen(function*() {
          const plex = yield* server((_, response) => {
            response.writeHead(status, { "content-type": contentType, "content-length": String(body.length) })
            response.end(body)
          })
          const layer = authOver(plex.port, PlexNode.layerHttpClient)
          // a machine under load may pause any process now and then: a parser that stalls does so
          // every time, so the call passes when one of three runs stays under 50 ms
          const delays: Array<number> = []
          for (let run = 0; run < 3; run++) {
            const { exit, millis } = yield* maxDelay(Effect.provide(getTokenDetails, layer))
            assert.isTrue(PlexError.is(typedFailure(exit)))
            delays.push(millis)
            if (millis < 50) break
          }
          assert.isBelow(
            Math.min(...delays),
            50,
            `event loop stalled: ${delays.map((d) => d.toFixed(0)).join(", ")} ms`
          )
        }), 60_000)
    }
  }
})
