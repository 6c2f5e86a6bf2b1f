/**
 * The fake Plex Media Servers of `PlexTvServer`, each a real server on 127.0.0.1 with its own port:
 * one that answers `GET /identity` (after its delay, if any), one whose port refuses (bound, then
 * closed), one that speaks only TLS with a self-signed certificate made at start (`openssl`), which
 * no client trusts: its handshake fails as a plex.direct address whose certificate does not match
 * fails. Each counts its open sockets and the requests whose client left before the answer.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Https from "node:https"
import type * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import {
  type FakeMediaRequest,
  FakeMediaServer,
  type FakeMediaServerOptions,
  type FakeRequest
} from "@effect-plex/core/testing"

/**
 * A running fake media server.
 */
export interface RunningMediaServer {
  /** What its connection in the resource points at: `http://127.0.0.1:<port>` (`https://` with `tls`). */
  readonly uri: string
  readonly port: number
  readonly options: FakeMediaServerOptions
  /** Its open client sockets right now. */
  readonly openConnections: Effect.Effect<number>
  /** The requests it got, in order (none for a refusing or TLS-only server: no request gets through). */
  readonly requests: Effect.Effect<ReadonlyArray<FakeMediaRequest>>
  /** Requests whose client left before the answer was sent (an interrupted probe). */
  readonly aborted: Effect.Effect<number>
}

interface Certificate {
  readonly key: string
  readonly cert: string
}

let certificate: Promise<Certificate> | undefined

/** A fresh self-signed certificate for 127.0.0.1, made once per process with `openssl`. */
const selfSigned = (): Promise<Certificate> =>
  certificate ??= new Promise<Certificate>((resolve, reject) => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "effect-plex-media-"))
    const key = Path.join(dir, "key.pem")
    const cert = Path.join(dir, "cert.pem")
    execFile(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=fake-media-server.invalid",
        "-addext",
        "subjectAltName=IP:127.0.0.1"
      ],
      (error) => {
        try {
          if (error !== null) return reject(new Error(`openssl could not make a certificate: ${error.message}`))
          resolve({ key: Fs.readFileSync(key, "utf8"), cert: Fs.readFileSync(cert, "utf8") })
        } finally {
          Fs.rmSync(dir, { recursive: true, force: true })
        }
      }
    )
  })

const headersOf = (request: Http.IncomingMessage): Record<string, string> => {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return headers
}

const listen = (server: Net.Server): Effect.Effect<number> =>
  Effect.async<number>((resume) => {
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as Net.AddressInfo).port)))
  })

const close = (server: Net.Server & { closeAllConnections?: () => void }): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    server.close(() => resume(Effect.void))
    server.closeAllConnections?.()
  })

/** A port that refuses: bound to find a free one, then closed. */
const refusing = (options: FakeMediaServerOptions): Effect.Effect<RunningMediaServer> =>
  Effect.gen(function*() {
    const server = Http.createServer()
    const port = yield* listen(server)
    yield* close(server)
    return {
      uri: `http://127.0.0.1:${port}`,
      port,
      options,
      openConnections: Effect.succeed(0),
      requests: Effect.succeed([]),
      aborted: Effect.succeed(0)
    }
  })

const start = (options: FakeMediaServerOptions, index: number): Effect.Effect<RunningMediaServer, never, Scope.Scope> =>
  Effect.gen(function*() {
    if (options.refuses === true) return yield* refusing(options)
    const sockets = new Set<Net.Socket>()
    const requests: Array<FakeMediaRequest> = []
    let aborted = 0
    const handler = (request: Http.IncomingMessage, response: Http.ServerResponse) => {
      const faked: FakeRequest = {
        method: request.method ?? "GET",
        url: request.url ?? "/",
        headers: headersOf(request),
        body: ""
      }
      requests.push(FakeMediaServer.requestOf(index, faked))
      const answer = FakeMediaServer.answer(options, faked)
      const send = () => response.writeHead(answer.status, answer.headers).end(answer.body)
      const timer = (options.delayMillis ?? 0) > 0 ? setTimeout(send, options.delayMillis) : undefined
      if (timer === undefined) send()
      response.once("close", () => {
        if (timer !== undefined) clearTimeout(timer)
        if (!response.writableFinished) aborted++
      })
      request.resume()
    }
    const tls = options.tls === true
    const server: Http.Server = tls
      ? Https.createServer(yield* Effect.promise(selfSigned), handler)
      : Http.createServer(handler)
    server.keepAliveTimeout = 5_000
    server.on("connection", (socket: Net.Socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
    })
    // a failed TLS handshake is the client's business: no unhandled error here
    server.on("tlsClientError", () => {})
    const port = yield* listen(server)
    yield* Effect.addFinalizer(() => close(server))
    return {
      uri: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
      port,
      options,
      openConnections: Effect.sync(() => sockets.size),
      requests: Effect.sync(() => [...requests]),
      aborted: Effect.sync(() => aborted)
    }
  })

/** Starts every server, in order, each closed with the scope. */
export const startMediaServers = (
  servers: ReadonlyArray<FakeMediaServerOptions>
): Effect.Effect<ReadonlyArray<RunningMediaServer>, never, Scope.Scope> =>
  Effect.forEach(servers, (options, index) => start(options, index))
