/**
 * The "Sign in with Plex" page (index.html + app.ts, bundled with esbuild at start) served by a
 * small static server on 127.0.0.1, with the `config.json` that tells the page where plex.tv is.
 *
 *   pnpm example examples/browser/server.ts            # against a local fake plex.tv; a simulated
 *                                                      # user approves each PIN after ~3 seconds
 *   PLEX_REAL=1 pnpm example examples/browser/server.ts # against plex.tv and app.plex.tv
 *
 * `startSignInPage` is what the browser test uses.
 */
import { PlexTvFake } from "@effect-plex/core/testing"
import { PlexTvServer } from "@effect-plex/node/testing"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as esbuild from "esbuild"
import * as Fs from "node:fs"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { accounts } from "../internal/plex.js"

const here = Path.dirname(fileURLToPath(import.meta.url))

export interface SignInPageOptions {
  /** plex.tv's base URL, such as the fake's `http://127.0.0.1:40123`. */
  readonly plexBaseUrl: string
  /** The page where users approve a PIN (default `https://app.plex.tv/auth`). */
  readonly authAppUrl?: string | undefined
  readonly product?: string | undefined
  /** Default 0: any free port. */
  readonly port?: number | undefined
}

export interface SignInPage {
  /** Such as `http://127.0.0.1:40124/`. */
  readonly url: string
  readonly close: () => Promise<void>
}

/** The page's script: app.ts and the parts of @effect-plex/core and Effect it uses, for browsers. */
export const bundle = async (): Promise<string> => {
  const result = await esbuild.build({
    entryPoints: [Path.join(here, "app.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["@effect-plex/source"],
    minify: true,
    legalComments: "none",
    logLevel: "silent"
  })
  return result.outputFiles[0]!.text
}

/** Serves the page on 127.0.0.1 until `close`. */
export const startSignInPage = async (options: SignInPageOptions): Promise<SignInPage> => {
  const files: Record<string, { readonly type: string; readonly body: string }> = {
    "/": { type: "text/html; charset=utf-8", body: Fs.readFileSync(Path.join(here, "index.html"), "utf8") },
    "/app.js": { type: "text/javascript; charset=utf-8", body: await bundle() },
    "/config.json": {
      type: "application/json",
      body: JSON.stringify({
        plexBaseUrl: options.plexBaseUrl,
        authAppUrl: options.authAppUrl ?? "https://app.plex.tv/auth",
        product: options.product ?? "effect-plex sign-in page"
      })
    }
  }
  const server = Http.createServer((request, response) => {
    const file = files[(request.url ?? "/").split("?")[0]!]
    if (request.method !== "GET" || file === undefined) return void response.writeHead(404).end()
    response.writeHead(200, {
      "content-type": file.type,
      "cache-control": "no-store",
      // the page talks to plex.tv (or the fake) and nothing else
      "content-security-policy": `default-src 'self'; connect-src 'self' ${new URL(options.plexBaseUrl).origin}; ` +
        "style-src 'self' 'unsafe-inline'; script-src 'self'; img-src 'self' data:"
    }).end(file.body)
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve))
  const { port } = server.address() as Net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
  }
}

const page = (options: SignInPageOptions) =>
  Effect.acquireRelease(Effect.promise(() => startSignInPage(options)), (page) => Effect.promise(page.close))

/** The simulated user: approves each new pending PIN of the fake for fake-owner, ~3 s after it appears. */
const simulatedUser = Effect.gen(function*() {
  const fake = yield* PlexTvFake
  const seen = new Set<string>()
  yield* Effect.gen(function*() {
    const { pins } = yield* fake.state
    for (const pin of Object.values(pins.pins)) {
      if (seen.has(pin.code)) continue
      seen.add(pin.code)
      yield* Console.log(`  (a PIN was created: the simulated user approves it in 3 seconds)`)
      yield* Effect.forkDaemon(Effect.delay(Effect.ignore(fake.linkPin(pin.code, "fake-owner")), "3 seconds"))
    }
  }).pipe(Effect.repeat(Schedule.spaced("250 millis")))
})

const main = process.env.PLEX_REAL !== undefined && process.env.PLEX_REAL !== ""
  ? Effect.gen(function*() {
    const { url } = yield* page({ plexBaseUrl: "https://plex.tv" })
    yield* Console.log(`Open ${url} (plex.tv and app.plex.tv). Ctrl-C to stop.`)
    return yield* Effect.never
  })
  : Effect.gen(function*() {
    const fake = yield* PlexTvServer
    const { url } = yield* page({ plexBaseUrl: fake.baseUrl, authAppUrl: `${fake.baseUrl}/auth` })
    yield* Console.log(`Open ${url} (a local fake plex.tv at ${fake.baseUrl}). Ctrl-C to stop.`)
    return yield* simulatedUser
  }).pipe(Effect.provide(PlexTvServer.layer({ accounts })))

if (process.argv[1] !== undefined && Path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main.pipe(Effect.scoped, NodeRuntime.runMain)
}
