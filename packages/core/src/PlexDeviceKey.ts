/**
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { base64url, generateEd25519, signInput, thumbprint, verifyJwt } from "./internal/jwt.js"

const ED25519_KEY_BYTES = 32

/**
 * What is wrong with a key, or `undefined` when its two halves import as an Ed25519 key pair that
 * signs and verifies. Never mentions the key material.
 */
const problemOf = async (key: PlexDeviceKey): Promise<string | undefined> => {
  const x = key.publicKey
  const d = Redacted.value(key.privateKey)
  if (base64url.decode(x)?.length !== ED25519_KEY_BYTES) return "the public key is not 32 bytes of base64url"
  if (base64url.decode(d)?.length !== ED25519_KEY_BYTES) return "the private key is not 32 bytes of base64url"
  const input = "effect-plex device key check"
  let signature: string
  try {
    signature = await signInput(input, { x, d })
  } catch {
    return "the key does not import as an Ed25519 key pair (do its halves belong together?)"
  }
  const bytes = base64url.decode(signature)
  const verified = bytes !== undefined &&
    await verifyJwt({ header: {}, payload: {}, input, signature: bytes }, { x })
  return verified ? undefined : "the public key does not belong to the private key"
}

/**
 * The public half of a device key as plex.tv registers it: an Ed25519 JWK with its key id.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexPublicJwk } from "@effect-plex/core"
 *
 * const jwk = PlexPublicJwk.make({ kty: "OKP", crv: "Ed25519", x: "AAAA", use: "sig", alg: "EdDSA", kid: "k1" })
 * console.log(jwk.alg) // "EdDSA"
 */
export class PlexPublicJwk extends Schema.Class<PlexPublicJwk>("@effect-plex/core/PlexPublicJwk")({
  kty: Schema.Literal("OKP"),
  crv: Schema.Literal("Ed25519"),
  x: Schema.NonEmptyString,
  use: Schema.optional(Schema.String),
  alg: Schema.optional(Schema.String),
  kid: Schema.NonEmptyString
}) {}

/**
 * An Ed25519 key pair that identifies this device to plex.tv's JWT endpoints. The private half is
 * `Redacted`, so printing the key never shows it; `Schema.encode(PlexDeviceKey)` gives the plain
 * JSON a `KeyStore` keeps.
 *
 * `kid` is the SHA-256 hex of the raw private ‖ public key, as maintained clients make it.
 *
 * @since 0.1.0
 * @category models
 * @example
 * import { PlexDeviceKey } from "@effect-plex/core"
 * import * as Effect from "effect/Effect"
 *
 * const program = Effect.gen(function*() {
 *   const key = yield* PlexDeviceKey.generate
 *   console.log(key.kid.length, key.publicJwk.alg) // 64 "EdDSA"
 *   console.log(String(key.privateKey)) // "<redacted>"
 * })
 */
export class PlexDeviceKey extends Schema.Class<PlexDeviceKey>("@effect-plex/core/PlexDeviceKey")({
  kid: Schema.NonEmptyString,
  /** The public key, base64url (the JWK's `x`). */
  publicKey: Schema.NonEmptyString,
  /** The private key, base64url (the JWK's `d`). */
  privateKey: Schema.Redacted(Schema.NonEmptyString),
  /** When the key was made, Unix millis. */
  createdAt: Schema.Number
}) {
  /**
   * A new key pair from WebCrypto (`globalThis.crypto.subtle`).
   */
  static readonly generate: Effect.Effect<PlexDeviceKey> = Effect.gen(function*() {
    const pair = yield* Effect.promise(generateEd25519)
    const kid = yield* Effect.promise(() => thumbprint(pair))
    const createdAt = yield* Effect.clockWith((clock) => clock.currentTimeMillis)
    return new PlexDeviceKey({ kid, publicKey: pair.x, privateKey: Redacted.make(pair.d), createdAt })
  }).pipe(Effect.withSpan("PlexDeviceKey.generate"))

  /**
   * Checks that a key (say, one read back from storage) is a usable Ed25519 key pair: both halves
   * are 32 bytes of base64url, import into WebCrypto, and the public half verifies what the private
   * half signs. Fails with a message that never quotes the key, so a `KeyStore` can refuse a
   * corrupt key when loading it instead of failing every later `exchange`.
   *
   * @since 0.2.0
   * @example
   * import { PlexDeviceKey } from "@effect-plex/core"
   * import * as Effect from "effect/Effect"
   *
   * const program = Effect.gen(function*() {
   *   const key = yield* PlexDeviceKey.generate
   *   yield* PlexDeviceKey.validate(key) // succeeds with the key
   *   const broken = new PlexDeviceKey({ ...key, publicKey: "AAAA" })
   *   const error = yield* Effect.flip(PlexDeviceKey.validate(broken))
   *   console.log(error.message) // "the public key is not 32 bytes of base64url"
   * })
   */
  static readonly validate = (key: PlexDeviceKey): Effect.Effect<PlexDeviceKey, Cause.IllegalArgumentException> =>
    Effect.flatMap(
      Effect.promise(() => problemOf(key)),
      (problem) =>
        problem === undefined ? Effect.succeed(key) : Effect.fail(new Cause.IllegalArgumentException(problem))
    )

  /**
   * The public JWK to register with plex.tv.
   */
  get publicJwk(): PlexPublicJwk {
    return new PlexPublicJwk({ kty: "OKP", crv: "Ed25519", x: this.publicKey, use: "sig", alg: "EdDSA", kid: this.kid })
  }
}
