/**
 * Shared pieces of the node test suite: the HTTP stack over `PlexTvServer`, loopback sockets, child
 * processes. What the core tests share too (accounts, exits, secret scans) is in `test-support/`.
 */
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as ChildProcess from "node:child_process"
import * as Net from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { PlexAuth, type PlexConfigOptions } from "@effect-plex/core"
import type { PlexTvSettings } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"
import { accounts } from "../../../test-support/accounts.js"

// Shared with the core tests, re-exported for resources-home.test.ts (being edited elsewhere at the
// time of the move).
export { tokens } from "../../../test-support/accounts.js"
export { assertNoSecrets } from "../../../test-support/printed.js"

export const CLIENT_ID = "effect-plex-node-test"

export type ConfigExtras = Omit<PlexConfigOptions, "client" | "baseUrl">

/** `PlexAuth` over undici, configured for the `PlexTvServer` in context. */
export const httpClientLayer = (config?: ConfigExtras) =>
  PlexAuth.layer.pipe(
    Layer.provide(PlexTvServer.layerConfig({ clientIdentifier: CLIENT_ID }, config)),
    Layer.provide(PlexNode.layerHttpClient)
  )

/** A fresh `PlexTvServer` (with its fake) and `PlexAuth` over undici talking to it. */
export const httpStack = (options?: {
  readonly settings?: Partial<PlexTvSettings> | undefined
  readonly config?: ConfigExtras | undefined
}) =>
  httpClientLayer(options?.config).pipe(
    Layer.provideMerge(PlexTvServer.layer({ accounts, settings: options?.settings }))
  )

/** A port on 127.0.0.1 that nothing listens on: bound by the OS, then closed. */
export const closedPort: Effect.Effect<number> = Effect.async<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

export interface SilentServer {
  readonly port: number
  /** Requests received so far (connections that sent something; undici may also open idle ones). */
  readonly requests: () => number
  /** Connections open right now. */
  readonly open: () => number
}

/** A TCP server on 127.0.0.1 that accepts connections, reads the request and never answers. */
export const silentServer: Effect.Effect<SilentServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<{ readonly server: Net.Server; readonly sockets: Set<Net.Socket>; readonly counter: { n: number } }>(
    (resume) => {
      const sockets = new Set<Net.Socket>()
      const counter = { n: 0 }
      const server = Net.createServer((socket) => {
        sockets.add(socket)
        socket.once("data", () => counter.n++)
        socket.on("error", () => {})
        socket.on("close", () => sockets.delete(socket))
        socket.resume() // read and drop the request
      })
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, sockets, counter })))
    }
  ),
  ({ server, sockets }) =>
    Effect.async<void>((resume) => {
      for (const socket of sockets) socket.destroy()
      server.close(() => resume(Effect.void))
    })
).pipe(Effect.map(({ counter, server, sockets }) => ({
  port: (server.address() as Net.AddressInfo).port,
  requests: () => counter.n,
  open: () => sockets.size
})))

/** The workspace root, where `tsx` resolves. */
export const repoRoot = Path.resolve(fileURLToPath(new URL("../../..", import.meta.url)))

export interface NodeChild {
  readonly process: ChildProcess.ChildProcess
  /** Resolves with the first complete stdout line that matches, or rejects when the process ends first. */
  readonly line: (pattern: RegExp) => Promise<RegExpMatchArray>
  readonly stdout: () => string
  readonly stderr: () => string
  /** Resolves when the process has exited and its output has been read. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>
}

/**
 * `node --conditions=@effect-plex/source --import tsx <script> ...args` from the workspace root: TypeScript
 * sources run as they are, the workspace packages resolved to their sources.
 */
export const spawnNode = (
  script: string,
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>> = process.env
): NodeChild => {
  const child = ChildProcess.spawn(
    process.execPath,
    ["--conditions=@effect-plex/source", "--import", "tsx", script, ...args],
    { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] }
  )
  let out = ""
  let err = ""
  let closed = false
  const waiting = new Set<() => void>()
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk
    for (const check of waiting) check()
  })
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // "close", not "exit": all of stdout and stderr has been read by then
    child.once("error", (error) => {
      err += String(error)
    })
    child.once("close", (code, signal) => {
      closed = true
      resolve({ code, signal })
      for (const check of waiting) check()
    })
  })
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const lines = out.split("\n")
        if (!closed) lines.pop() // the last line may still be incomplete
        for (const candidate of lines) {
          const match = candidate.match(pattern)
          if (match !== null) {
            waiting.delete(check)
            return resolve(match)
          }
        }
        if (closed) {
          waiting.delete(check)
          reject(new Error(`exited before printing ${pattern}; stdout: ${out}; stderr: ${err}`))
        }
      }
      waiting.add(check)
      check()
    })
  return { process: child, line, stdout: () => out, stderr: () => err, exited }
}

/** `spawnNode` as a scoped resource: the process is killed, if still running, when the scope closes. */
export const spawnNodeScoped = (
  script: string,
  args: ReadonlyArray<string>,
  env?: Readonly<Record<string, string | undefined>>
): Effect.Effect<NodeChild, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => spawnNode(script, args, env)),
    (child) =>
      child.process.exitCode !== null || child.process.signalCode !== null
        ? Effect.void
        : Effect.promise(() => {
          child.process.kill("SIGKILL")
          return child.exited
        })
  )
