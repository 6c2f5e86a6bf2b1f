/**
 * The ways of doing the same work that the bench compares. A variant is one entry here: its
 * name, the operations it can do, and how to set it up in a fresh worker process. `make` answers
 * a string instead of a target when the variant cannot run here (the string says why): the
 * orchestrator prints it and goes on.
 */
import type { PlexAuth } from "@effect-plex/core"
import type * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import type * as ManagedRuntime from "effect/ManagedRuntime"
import type * as Redacted from "effect/Redacted"
import { CLIENT_IDENTIFIER, checkAccount, type Op, OWNER_LOGIN, OWNER_PASSWORD, tokenFor } from "./shared.js"

/** One set-up variant: `call(i)` does the i-th call and settles once the account is decoded and checked. */
export interface Target {
  readonly call: (i: number) => Promise<void>
  readonly close: () => Promise<void>
}

export interface Variant {
  readonly name: string
  /** What it is, for the results file. */
  readonly description: string
  readonly ops: ReadonlyArray<Op>
  readonly make: (op: Op, baseUrl: string) => Promise<Target | string>
}

/** The baseline every ratio is taken to. */
export const BASELINE = "undici"

const signInBody = new URLSearchParams({ login: OWNER_LOGIN, password: OWNER_PASSWORD }).toString()

const undiciVariant: Variant = {
  name: "undici",
  description: "`request` from `undici` 7 on a keep-alive `Agent`, status checked, `JSON.parse(await body.text())`",
  ops: ["getTokenDetails", "signIn", "tokens100"],
  make: async (op, baseUrl) => {
    const { Agent, request } = await import("undici")
    const dispatcher = new Agent()
    const userUrl = `${baseUrl}/api/v2/user`
    const signInUrl = `${baseUrl}/api/v2/users/signin`
    const call = async (i: number) => {
      const { body, statusCode } = op === "signIn"
        ? await request(signInUrl, {
          method: "POST",
          dispatcher,
          headers: {
            "x-plex-client-identifier": CLIENT_IDENTIFIER,
            accept: "application/json",
            "content-type": "application/x-www-form-urlencoded"
          },
          body: signInBody
        })
        : await request(userUrl, {
          dispatcher,
          headers: {
            "x-plex-client-identifier": CLIENT_IDENTIFIER,
            "x-plex-token": tokenFor(op, i),
            accept: "application/json"
          }
        })
      const text = await body.text()
      if (statusCode !== (op === "signIn" ? 201 : 200)) throw new Error(`status ${statusCode}`)
      checkAccount(JSON.parse(text).id)
    }
    return { call, close: () => dispatcher.close() }
  }
}

const fetchVariant: Variant = {
  name: "fetch",
  description: "global `fetch` (Node's bundled undici), status checked, `res.json()`",
  ops: ["getTokenDetails", "signIn", "tokens100"],
  make: async (op, baseUrl) => {
    const userUrl = `${baseUrl}/api/v2/user`
    const signInUrl = `${baseUrl}/api/v2/users/signin`
    const call = async (i: number) => {
      const response = op === "signIn"
        ? await fetch(signInUrl, {
          method: "POST",
          headers: {
            "x-plex-client-identifier": CLIENT_IDENTIFIER,
            accept: "application/json",
            "content-type": "application/x-www-form-urlencoded"
          },
          body: signInBody
        })
        : await fetch(userUrl, {
          headers: {
            "x-plex-client-identifier": CLIENT_IDENTIFIER,
            "x-plex-token": tokenFor(op, i),
            accept: "application/json"
          }
        })
      const json = await response.json() as { readonly id?: unknown }
      if (response.status !== (op === "signIn" ? 201 : 200)) throw new Error(`status ${response.status}`)
      checkAccount(json.id)
    }
    return { call, close: async () => {} }
  }
}

/** `PlexNode.layer` configured from a map (retries as default), in a `ManagedRuntime` built once. */
const libraryRuntime = async (baseUrl: string) => {
  const [{ PlexNode }, ConfigProvider, Layers, Runtimes] = await Promise.all([
    import("@effect-plex/node"),
    import("effect/ConfigProvider"),
    import("effect/Layer"),
    import("effect/ManagedRuntime")
  ])
  const config = ConfigProvider.fromMap(
    new Map([["PLEX_BASE_URL", baseUrl], ["PLEX_CLIENT_IDENTIFIER", CLIENT_IDENTIFIER]])
  )
  const layer = PlexNode.layer.pipe(Layers.provide(Layers.setConfigProvider(config)))
  return { layer, Layers, Runtimes }
}

const libraryVariant: Variant = {
  name: "effect-plex",
  description: "`PlexAuth` from `PlexNode.layer` (platform undici client), `ManagedRuntime` built once, " +
    "`runtime.runPromise(auth.getTokenDetails(Redacted.make(token)))` / `auth.signIn(…)`, Schema-decoded `PlexUser`",
  ops: ["getTokenDetails", "signIn", "tokens100"],
  make: async (op, baseUrl) => {
    const { layer, Runtimes } = await libraryRuntime(baseUrl)
    const [{ PasswordCredentials, PlexAuth }, Redacted] = await Promise.all([
      import("@effect-plex/core"),
      import("effect/Redacted")
    ])
    const runtime = Runtimes.make(layer)
    const auth = await runtime.runPromise(PlexAuth)
    const credentials = PasswordCredentials.make({ login: OWNER_LOGIN, password: Redacted.make(OWNER_PASSWORD) })
    const call = async (i: number) => {
      const user = op === "signIn"
        ? await runtime.runPromise(auth.signIn(credentials))
        : await runtime.runPromise(auth.getTokenDetails(Redacted.make(tokenFor(op, i))))
      checkAccount(user.id)
    }
    return { call, close: () => runtime.dispose() }
  }
}

/** What the cache variant needs of the validator service or of `PlexAuth`, looked up at run time. */
type CheckToken = (token: Redacted.Redacted<string>) => Effect.Effect<{ readonly id: number }, unknown>
type ValidatorTag = Effect.Effect<{ readonly validate?: CheckToken }> & { readonly layer?: unknown }

/**
 * The validated-token cache of issue 6, over the same `PlexNode.layer`: `PlexTokenValidator` if
 * `@effect-plex/core` exports it, else a `cachedTokenDetails` on the `PlexAuth` service; skipped
 * with a note when neither exists. Looked up at run time so this file compiles either way.
 */
const cachedVariant: Variant = {
  name: "effect-plex cached",
  description: "the validated-token cache (`PlexTokenValidator.validate`, default options) over `PlexNode.layer`",
  ops: ["tokens100"],
  make: async (op, baseUrl) => {
    const [core, Redacted] = await Promise.all([import("@effect-plex/core"), import("effect/Redacted")])
    const { layer, Layers, Runtimes } = await libraryRuntime(baseUrl)
    const exports: Record<string, unknown> = core
    const validator = exports["PlexTokenValidator"] as ValidatorTag | undefined
    const target = async <R, E>(runtime: ManagedRuntime.ManagedRuntime<R, E>, check: CheckToken) => ({
      call: async (i: number) => checkAccount((await runtime.runPromise(check(Redacted.make(tokenFor(op, i))))).id),
      close: () => runtime.dispose()
    })
    if (validator !== undefined && typeof validator.layer === "function") {
      const validatorLayer = (validator.layer as () => Layer.Layer<never, never, PlexAuth>)()
      const runtime = Runtimes.make(validatorLayer.pipe(Layers.provideMerge(layer)))
      const { validate } = await runtime.runPromise(validator)
      if (typeof validate !== "function") return "`PlexTokenValidator` has no `validate`"
      return target(runtime, validate)
    }
    const runtime = Runtimes.make(layer)
    const auth = await runtime.runPromise(core.PlexAuth) as unknown as Record<string, unknown>
    const cached = auth["cachedTokenDetails"]
    if (typeof cached !== "function") {
      await runtime.dispose()
      return "neither `PlexTokenValidator` nor `PlexAuth.cachedTokenDetails` is exported yet (issue 6)"
    }
    return target(runtime, cached as CheckToken)
  }
}

/** Every variant, the baseline first. Add a variant here and every figure gets a row for it. */
export const variants: ReadonlyArray<Variant> = [undiciVariant, libraryVariant, fetchVariant, cachedVariant]
