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
import { checkAccount, CLIENT_IDENTIFIER, type Op, OWNER_LOGIN, OWNER_PASSWORD, tokenFor } from "./shared.js"

/** One set-up variant: `call(i)` does the i-th call and settles once the account is decoded and checked. */
export interface Target {
  readonly call: (i: number) => Promise<void>
  /**
   * When present, a round runs batches instead of `concurrency` loops of `call`: `batch(from, count,
   * concurrency)` does calls `from` to `from + count - 1`, `concurrency` at a time, and settles when
   * all are done (one Effect program per batch, for instance).
   */
  readonly batch?: (from: number, count: number, concurrency: number) => Promise<void>
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
/** The library, plexjs, and the library's token cache (one `runPromise` per check / one program). */
export const LIBRARY = "effect-plex"
export const PLEXJS = "plexjs"
export const CACHED = "effect-plex cached"
export const CACHED_ONE_PROGRAM = "effect-plex cached, one program"

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
  name: LIBRARY,
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
 * `oneProgram`: the checks run inside one Effect program per batch (`Effect.forEach` with the
 * round's concurrency, one `runPromise` per batch) instead of one `runPromise` per check.
 */
const cachedVariantOf = (oneProgram: boolean): Variant => ({
  name: oneProgram ? CACHED_ONE_PROGRAM : CACHED,
  description: oneProgram
    ? "the same cache, the checks inside one Effect program: `runtime.runPromise(Effect.forEach(4,096 checks, " +
      "check, { concurrency: 64, discard: true }))` per batch, batches back to back"
    : "the validated-token cache (`PlexTokenValidator.validate`, default options) over `PlexNode.layer`, " +
      "one `runtime.runPromise` per check",
  ops: ["tokens100"],
  make: async (op, baseUrl) => {
    const [core, Redacted, Effects] = await Promise.all([
      import("@effect-plex/core"),
      import("effect/Redacted"),
      import("effect/Effect")
    ])
    const { layer, Layers, Runtimes } = await libraryRuntime(baseUrl)
    const exports: Record<string, unknown> = core
    const validator = exports["PlexTokenValidator"] as ValidatorTag | undefined
    const target = async <R, E>(runtime: ManagedRuntime.ManagedRuntime<R, E>, check: CheckToken): Promise<Target> => {
      const checkOne = (i: number) =>
        Effects.map(check(Redacted.make(tokenFor(op, i))), (user) => checkAccount(user.id))
      return {
        call: (i) => runtime.runPromise(checkOne(i)),
        ...(oneProgram
          ? {
            batch: (from, count, concurrency) =>
              runtime.runPromise(
                Effects.forEach(Array.from({ length: count }, (_, k) => from + k), checkOne, {
                  concurrency,
                  discard: true
                })
              )
          }
          : {}),
        close: () => runtime.dispose()
      }
    }
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
})

/**
 * plexjs, the other plex.tv client for TypeScript: `@lukehagar/plexjs` 0.39.0 (the last version
 * with plex.tv's sign-in and token details), a generated SDK on global `fetch` with zod schemas.
 * Its plex.tv operations take their server per call (`serverURL` of the request options, default
 * `https://plex.tv/api/v2`); the token is the SDK's `accessToken` (sent as `X-Plex-Token`), so the
 * cache bench's 100 tokens get one SDK instance each. `getTokenDetails` sends no client identifier
 * of its own: it goes in the request options' `headers`, as the other variants send one.
 */
const plexjsVariant: Variant = {
  name: PLEXJS,
  description: "`@lukehagar/plexjs` 0.39.0 (global `fetch`, zod): `new PlexAPI({ accessToken })`, " +
    "`sdk.authentication.getTokenDetails({ serverURL, headers })` / `postUsersSignInData({ clientID, requestBody }, " +
    "{ serverURL })`, zod-decoded `userPlexAccount`",
  ops: ["getTokenDetails", "signIn", "tokens100"],
  make: async (op, baseUrl) => {
    const { PlexAPI } = await import("@lukehagar/plexjs")
    const serverURL = `${baseUrl}/api/v2`
    const sdks = new Map<string, InstanceType<typeof PlexAPI>>()
    const sdkFor = (token: string) => {
      let sdk = sdks.get(token)
      if (sdk === undefined) sdks.set(token, sdk = new PlexAPI({ accessToken: token }))
      return sdk
    }
    const options = { serverURL, headers: { "X-Plex-Client-Identifier": CLIENT_IDENTIFIER } }
    const request = {
      clientID: CLIENT_IDENTIFIER,
      requestBody: { login: OWNER_LOGIN, password: OWNER_PASSWORD }
    }
    const anonymous = new PlexAPI({})
    const call = async (i: number) => {
      const response = op === "signIn"
        ? await anonymous.authentication.postUsersSignInData(request, { serverURL })
        : await sdkFor(tokenFor(op, i)).authentication.getTokenDetails(options)
      if (response.statusCode !== (op === "signIn" ? 201 : 200)) throw new Error(`status ${response.statusCode}`)
      checkAccount(response.userPlexAccount?.id)
    }
    return { call, close: async () => {} }
  }
}

/** Every variant, the baseline first. Add a variant here and every figure gets a row for it. */
export const variants: ReadonlyArray<Variant> = [
  undiciVariant,
  libraryVariant,
  fetchVariant,
  plexjsVariant,
  cachedVariantOf(false),
  cachedVariantOf(true)
]
