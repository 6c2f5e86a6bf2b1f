/**
 * @since 0.1.0
 */
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Runtime from "effect/Runtime"
import * as Http from "node:http"
import type * as Net from "node:net"
import { PlexConfig, type PlexConfigOptions } from "@effect-plex/core"
import {
  type FakeTransportStats,
  PlexTvFake,
  type PlexTvFakeService,
  type PlexTvOptions
} from "@effect-plex/core/testing"
import { addCorsHeaders, answerBeforeRoutes, type PlexTvCors as Cors } from "./internal/cors.js"
import { perform, type ServerCounters } from "./internal/faults.js"
import { type RunningMediaServer, startMediaServers } from "./internal/mediaServers.js"

/**
 * A running local plex.tv: where it listens.
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { PlexTvServer } from "@effect-plex/node/testing"
 * import * as Effect from "effect/Effect"
 *
 * const baseUrl = Effect.map(PlexTvServer, (server) => server.baseUrl)
 */
export interface PlexTvServerService {
  /** Such as `http://127.0.0.1:40123`. */
  readonly baseUrl: string
  readonly port: number
  /** Open client connections right now (tests check that none leak). */
  readonly openConnections: Effect.Effect<number>
  /**
   * Requests received; those whose client closed the connection before the whole answer was sent
   * (an interrupted call, a timeout, a huge body given up on); the bytes of fault bodies (huge,
   * endless) sent.
   */
  readonly transportStats: Effect.Effect<FakeTransportStats>
  /**
   * The fake Plex Media Servers of the options' `mediaServers`, in order, each on its own port of
   * 127.0.0.1 (see `FakeMediaServer`); the resource "Fake Media Server" plex.tv lists points at them.
   */
  readonly mediaServers: ReadonlyArray<RunningMediaServer>
}

const headersOf = (request: Http.IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return headers
}

const MAX_BODY = 1024 * 1024

/**
 * How the fake plex.tv answers cross-origin requests from a web page: the allowed origins (`"*"` by
 * default, a list, or none), the allowed headers (`"echo"` what the preflight asks, by default, or
 * `"plex"`: only `Accept`, `Content-Type` and `X-Plex-*`) and the preflight's `maxAge`. `false`
 * turns CORS off (a browser then refuses every answer).
 *
 * @since 0.3.0
 * @category testing
 * @example
 * import type { PlexTvCors } from "@effect-plex/node/testing"
 *
 * const cors: PlexTvCors = { origins: ["http://127.0.0.1:5173"], headers: "plex" }
 */
export type PlexTvCors = Cors

const serve = (fake: PlexTvFakeService, port: number, cors: PlexTvCors | false = {}) =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    const runFork = Runtime.runFork(runtime)
    const sockets = new Set<Net.Socket>()
    const counters: ServerCounters = { requests: 0, aborted: 0, streamedBytes: 0 }

    const server = Http.createServer((request, response) => {
      // a CORS preflight (no client identifier: before any route) and the stand-in auth page
      if (answerBeforeRoutes(cors, request, response)) return void request.resume()
      addCorsHeaders(cors, request, response)
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
        counters.requests++
        const fiber = runFork(fake.handle({
          method: request.method ?? "GET",
          url: request.url ?? "/",
          headers: headersOf(request),
          body: Buffer.concat(chunks).toString("utf8")
        }))
        const performing = perform(response, counters)
        // the client left before the whole answer was sent (a reset of our own does not count)
        response.once("close", () => {
          if (!response.writableFinished && !performing.resetByUs()) counters.aborted++
          performing.stop()
          if (fiber.unsafePoll() === null) runFork(Fiber.interrupt(fiber))
        })
        fiber.addObserver((exit) => {
          if (Exit.isSuccess(exit)) performing.answer(exit.value)
          else if (!Exit.isInterrupted(exit) && !response.headersSent) response.writeHead(500).end()
        })
      })
    })
    server.keepAliveTimeout = 5_000
    server.on("connection", (socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })

    yield* Effect.async<void, Error>((resume) => {
      const onError = (error: Error) => resume(Effect.fail(error))
      server.once("error", onError)
      server.listen(port, "127.0.0.1", () => {
        server.off("error", onError)
        resume(Effect.void)
      })
    }).pipe(Effect.orDie)

    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        server.closeAllConnections()
      })
    )

    // the fake media servers, and the resource's connections pointed at them
    const media = (yield* fake.state).resources.media
    const mediaServers = yield* startMediaServers(media.map((entry) => entry.server))
    if (mediaServers.length > 0) {
      yield* fake.update((state) => ({
        ...state,
        resources: { ...state.resources, media: mediaServers.map(({ options, uri }) => ({ uri, server: options })) }
      }))
    }

    const address = server.address() as Net.AddressInfo
    return {
      mediaServers,
      baseUrl: `http://127.0.0.1:${address.port}`,
      port: address.port,
      openConnections: Effect.sync(() => sockets.size),
      transportStats: Effect.sync(() => ({ ...counters }))
    } satisfies PlexTvServerService
  })

/**
 * The fake plex.tv of `@effect-plex/core/testing`, served over real HTTP on 127.0.0.1 with an
 * OS-assigned port: the same model, so it answers exactly as the in-memory `PlexTvFake`, and obeys
 * the same fault plan (`PlexTvFake`'s `faults`), performing transport faults on the socket: a reset
 * before or in the middle of the body, a body that never ends, headers then silence, a huge body
 * streamed with backpressure, each stopped as soon as the client leaves. With `mediaServers` (see
 * `FakeMediaServer`) it also starts fake Plex Media Servers, each on its own port of 127.0.0.1, which
 * the listed resource "Fake Media Server" points at (for `PlexResources.connect`). For
 * integration tests over a real HTTP client, and for the offline demo (`pnpm fake-plex` runs it
 * on its own).
 *
 * @since 0.1.0
 * @category testing
 * @example
 * import { PlexAuth, PlexConfig } from "@effect-plex/core"
 * import { FakeAccount } from "@effect-plex/core/testing"
 * import { PlexNode } from "@effect-plex/node"
 * import { PlexTvServer } from "@effect-plex/node/testing"
 * import * as Effect from "effect/Effect"
 * import * as Layer from "effect/Layer"
 * import * as Redacted from "effect/Redacted"
 *
 * const ServerLive = PlexTvServer.layer({ accounts: [FakeAccount.owner] })
 * const AuthLive = PlexAuth.layer.pipe(
 *   Layer.provide(PlexTvServer.layerConfig({ clientIdentifier: "integration-test" })),
 *   Layer.provide(PlexNode.layerHttpClient),
 *   Layer.provideMerge(ServerLive)
 * )
 *
 * const program = Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make("FAKEtokenOwner000001"))).pipe(
 *   Effect.provide(AuthLive)
 * )
 */
export class PlexTvServer extends Context.Tag("@effect-plex/node/testing/PlexTvServer")<
  PlexTvServer,
  PlexTvServerService
>() {
  /**
   * Serves an existing fake (from context) on `port` (default 0: any free port), answering
   * cross-origin requests as `cors` says (default: any origin, see {@link PlexTvCors}).
   */
  static readonly layerWith = (
    options?: { readonly port?: number | undefined; readonly cors?: PlexTvCors | false | undefined }
  ): Layer.Layer<
    PlexTvServer,
    never,
    PlexTvFake
  > => Layer.scoped(PlexTvServer, Effect.flatMap(PlexTvFake, (fake) => serve(fake, options?.port ?? 0, options?.cors)))

  /** A new fake from options, served; provides the fake too, to control it from tests. */
  static readonly layer = (
    options: PlexTvOptions & { readonly port?: number | undefined; readonly cors?: PlexTvCors | false | undefined }
  ): Layer.Layer<PlexTvServer | PlexTvFake> =>
    PlexTvServer.layerWith(options).pipe(Layer.provideMerge(PlexTvFake.layerModel(options)))

  /** A `PlexConfig` whose base URL is this server's. */
  static readonly layerConfig = (
    client: PlexConfigOptions["client"],
    options?: Omit<PlexConfigOptions, "client" | "baseUrl">
  ): Layer.Layer<PlexConfig, ConfigError.ConfigError, PlexTvServer> =>
    Layer.unwrapEffect(
      Effect.map(PlexTvServer, (server) => PlexConfig.layer({ ...options, client, baseUrl: server.baseUrl }))
    )
}
