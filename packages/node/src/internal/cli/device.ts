/**
 * `plex-auth device register|status|rotate`: the device key (JWT authentication) of this machine,
 * kept by `FileKeyStore` next to the client identifier. After a register or a rotate, the stored
 * credential is the Plex JWT the key was just proven with (plex.tv no longer accepts the classic
 * token of a device that has made its first exchange).
 */
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { KeyStore, type PlexDeviceKey, PlexJwtAuth, type PlexJwtToken } from "@effect-plex/core"
import * as CredentialStore from "./credentialStore.js"
import { refreshed } from "./environment.js"
import * as Issued from "./issued.js"
import { out, outJson } from "./output.js"
import { jsonOption, withPlex, withToken } from "./plex.js"

const when = (millis: number) => new Date(millis).toISOString()

/** Keeps the Plex JWT a key was proven with, for the account of the credential it replaces. */
const keepJwt = (
  previous: Option.Option<CredentialStore.StoredCredential>,
  token: PlexJwtToken
) =>
  Effect.scoped(Effect.gen(function*() {
    const destinations = yield* Issued.prepare(Option.none())
    yield* Issued.keepIssued(
      token.token,
      Issued.keep(
        destinations,
        CredentialStore.StoredCredential.make({
          kind: "jwt",
          token: token.token,
          expiresAt: token.expiresAt,
          ...Option.match(Option.flatMapNullable(previous, (p) => p.account), {
            onNone: () => ({}),
            onSome: (account) => ({ account })
          })
        })
      )
    )
  }))

const proven = (key: PlexDeviceKey, verb: string, previous: Option.Option<CredentialStore.StoredCredential>) =>
  Effect.gen(function*() {
    const token = yield* (yield* PlexJwtAuth).exchange(key)
    yield* keepJwt(previous, token)
    const until = when(token.expiresAt)
    yield* out(`device key ${key.kid} ${verb}; the stored credential is a Plex JWT valid until ${until}`)
  })

const register = Command.make("register", {}, () =>
  withToken(({ stored, token }) =>
    Effect.gen(function*() {
      const key = yield* (yield* PlexJwtAuth).deviceKey(token) // the kept key, or a new one registered
      yield* proven(key, "registered", stored)
    })
  )).pipe(
    Command.withDescription(
      "register a device key for the current token (a classic token), then use Plex JWTs from it"
    )
  )

const rotate = Command.make("rotate", {}, () =>
  withToken((current) =>
    Effect.gen(function*() {
      const { stored, token } = yield* refreshed(current)
      const key = yield* (yield* PlexJwtAuth).rotateKey(token)
      yield* proven(key, "rotated in", stored)
    })
  )).pipe(Command.withDescription("replace the device key with a new one (the old one stays until the new one works)"))

const status = Command.make("status", { json: jsonOption }, ({ json }) =>
  withPlex(Effect.gen(function*() {
    const key = yield* Effect.flatMap(KeyStore, (store) => store.load)
    const stored = yield* CredentialStore.load
    const facts = {
      deviceKey: Option.match(key, {
        onNone: () => null,
        onSome: (k) => ({ kid: k.kid, createdAt: when(k.createdAt) })
      }),
      credential: Option.match(stored, {
        onNone: () => null,
        onSome: (c) => ({
          kind: c.kind,
          account: c.account ?? null,
          expiresAt: c.expiresAt === undefined ? null : when(c.expiresAt),
          expired: c.expiresAt === undefined ? null : c.expiresAt <= Date.now()
        })
      })
    }
    if (json) return yield* outJson(facts)
    yield* out(
      facts.deviceKey === null
        ? "device key: none (plex-auth login or plex-auth device register makes one)"
        : `device key: ${facts.deviceKey.kid}, created ${facts.deviceKey.createdAt}`
    )
    yield* out(
      facts.credential === null
        ? "credential: none stored"
        : `credential: ${facts.credential.kind === "jwt" ? "Plex JWT" : "classic token"}` +
          (facts.credential.account === null
            ? ""
            : ` of ${facts.credential.account.username || facts.credential.account.id}`) +
          (facts.credential.expiresAt === null
            ? ""
            : `, ${facts.credential.expired === true ? "expired" : "valid until"} ${facts.credential.expiresAt}`)
    )
  }))).pipe(Command.withDescription("the device key and the stored credential (nothing is sent)"))

/** `plex-auth device register|status|rotate`. */
export const device = Command.make("device").pipe(
  Command.withDescription("the device key of JWT authentication: register, status, rotate"),
  Command.withSubcommands([register, status, rotate])
)
