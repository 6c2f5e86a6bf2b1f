/**
 * Light dependencies: `@effect-plex/node` and its testing entry reach no module of
 * `@effect/platform-node` (an optional peer) or of the command line's packages, which only the
 * `plex-auth` bundle carries; `@effect-plex/node/platform` is the one entry that needs the peer,
 * and it serves every plex.tv service over the platform's client.
 */
import { assert, describe, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { PlexAuth, PlexConfig } from "@effect-plex/core"
import { PlexNodePlatform } from "@effect-plex/node/platform"
import { PlexTvServer } from "@effect-plex/node/testing"
import { accounts, tokens } from "../../../test-support/accounts.js"

const src = Path.resolve(import.meta.dirname, "..", "src")

/** The packages a module reaches through its static imports, following the package's own files. */
const packagesReachedFrom = (entry: string): Set<string> => {
  const seen = new Set<string>()
  const packages = new Set<string>()
  const visit = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    const text = Fs.readFileSync(file, "utf8")
    // static imports and re-exports (`import type` is erased; a dynamic import() is not a load)
    const imported = [...text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gm)]
      .flatMap(([, typeOnly, specifier]) => typeOnly === undefined && specifier !== undefined ? [specifier] : [])
    // modules loaded with a `require` made by `createRequire` (as undici's parts are)
    const required = [...text.matchAll(/\b\w*[rR]equire\w*\(\s*"([^"]+)"\s*\)/g)].map(([, specifier]) => specifier!)
    for (const specifier of [...imported, ...required]) {
      if (specifier.startsWith(".")) visit(Path.resolve(Path.dirname(file), specifier.replace(/\.js$/, ".ts")))
      else if (specifier === "@effect-plex/node") visit(Path.join(src, "index.ts")) // the package itself
      else {packages.add(
          specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!
        )}
    }
  }
  visit(entry)
  return packages
}

describe("@effect-plex/node's dependencies", () => {
  it("the main and testing entries need effect, @effect/platform, undici and the core only", () => {
    for (const entry of ["index.ts", "testing/index.ts"]) {
      const reached = [...packagesReachedFrom(Path.join(src, entry))].filter((name) => !name.startsWith("node:"))
      assert.deepStrictEqual(
        reached.filter((name) => !["effect", "@effect/platform", "undici", "@effect-plex/core"].includes(name)),
        [],
        entry
      )
      if (entry === "index.ts") assert.include(reached, "undici") // the scan does see what is loaded
    }
  })

  it("the platform entry is the one that loads @effect/platform-node", () => {
    assert.isTrue(packagesReachedFrom(Path.join(src, "platform.ts")).has("@effect/platform-node"))
  })
})

describe("PlexNodePlatform", () => {
  it.live("serves the plex.tv services over the platform's client, configured from the environment", () =>
    Effect.gen(function*() {
      const { baseUrl } = yield* PlexTvServer
      const env = ConfigProvider.fromMap(
        new Map([["PLEX_BASE_URL", baseUrl], ["PLEX_CLIENT_IDENTIFIER", "platform-test"], ["PLEX_PRODUCT", "test"]])
      )
      const [user, config] = yield* Effect.all([
        Effect.flatMap(PlexAuth, (auth) => auth.getTokenDetails(Redacted.make(tokens.owner))),
        PlexConfig
      ]).pipe(Effect.provide(PlexNodePlatform.layer), Effect.withConfigProvider(env))
      assert.strictEqual(user.username, "fake-owner")
      assert.strictEqual(config.client.clientIdentifier, "platform-test")
    }).pipe(Effect.provide(PlexTvServer.layer({ accounts }))))
})
