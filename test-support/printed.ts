/** How a value gets printed, and the check that none of those printings holds a secret. */
import { assert } from "@effect/vitest"
import * as Cause from "effect/Cause"
import { inspect } from "node:util"

/** Every way a value typically gets printed: `String`, JSON, `util.inspect`, `Cause.pretty`. */
export const renderings = (value: unknown): ReadonlyArray<string> => [
  String(value),
  JSON.stringify(value) ?? "",
  inspect(value, { depth: 10, showHidden: false }),
  Cause.pretty(Cause.fail(value))
]

/** Fails the test if any printing of `value` contains any of `secrets`. */
export const assertNoSecrets = (value: unknown, secrets: ReadonlyArray<string>) => {
  for (const text of renderings(value)) {
    for (const secret of secrets) assert.notInclude(text, secret)
  }
}
