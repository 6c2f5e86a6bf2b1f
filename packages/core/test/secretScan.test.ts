import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { findSecrets, registerSecret, takeLeaks } from "../../../test-support/secretScan.js"

// The suite-wide scan (test-support/setup.ts) must see what these tests plant; each test takes the
// leak back out so the file still passes.
describe("the suite-wide secret scan", () => {
  it("knows the shapes of the fakes' passwords and tokens", () => {
    assert.isNotEmpty(findSecrets("token=FAKEtokenOwner000001"))
    assert.isNotEmpty(findSecrets("issued FAKEsignin0000000042"))
    assert.isNotEmpty(findSecrets("password owner-password"))
    assert.isEmpty(findSecrets("fake-owner signed in, token <redacted>"))
    registerSecret("a-generated-device-key")
    assert.isNotEmpty(findSecrets("d=a-generated-device-key"))
  })

  it.effect("catches a token in a span attribute", () =>
    Effect.gen(function*() {
      yield* Effect.annotateCurrentSpan("leak", "FAKEtokenOwner000001").pipe(Effect.withSpan("leaky"))
      const leaks = takeLeaks()
      assert.deepStrictEqual(leaks.map((leak) => leak.where), ["span leaky attribute leak"])
    }))

  it.effect("catches a password in a failure and in a log line", () =>
    Effect.gen(function*() {
      yield* Effect.logWarning("owner-password")
      yield* Effect.exit(Effect.fail(new Error("SENTINEL-in-a-failure")).pipe(Effect.withSpan("failing")))
      const where = takeLeaks().map((leak) => leak.where)
      assert.include(where, "log WARN")
      assert.include(where, "span failing failure")
    }))

  it("catches a token written to the console", () => {
    console.log("debug: FAKEsignin0000000001")
    assert.deepStrictEqual(takeLeaks().map((leak) => leak.where), ["console.log"])
  })
})
