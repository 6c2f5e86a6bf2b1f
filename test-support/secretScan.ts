/**
 * The suite-wide secret scan: what counts as a leaked secret, and the place where every leak the
 * test setup finds is collected.
 */

/** Every password and token the fakes and the tests use, by shape. */
const patterns: ReadonlyArray<RegExp> = [
  /FAKEtoken[A-Za-z0-9]+/, // preset tokens of FakeAccount
  /FAKEsignin\d{10}/, // tokens the fake issues at sign-in, PIN link and Home switch
  /owner-password|twofactor-password/, // FakeAccount passwords
  /SENTINEL[-_A-Za-z0-9]*/, // secrets tests plant on purpose
  /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}/ // a signed JWT
]

// Kept on globalThis: vitest gives each test file fresh modules, the patched console, tracer and
// logger of the setup are installed once per worker.
const state = ((globalThis as Record<symbol, unknown>)[Symbol.for("effect-plex/test-support/secrets")] ??= {
  extra: new Set<string>(),
  leaks: []
}) as { extra: Set<string>; leaks: Array<Leak> }

const extra = state.extra

/** Registers one more exact secret (a generated key, a random token) for the rest of the file. */
export const registerSecret = (secret: string): void => {
  if (secret.length >= 8) extra.add(secret)
}

/** The secrets found in a text, as the pattern or registered secret that matched (never the text). */
export const findSecrets = (text: string): ReadonlyArray<string> => {
  const found: Array<string> = []
  for (const pattern of patterns) if (pattern.test(text)) found.push(String(pattern))
  for (const secret of extra) if (text.includes(secret)) found.push("a registered secret")
  return found
}

export interface Leak {
  readonly where: string
  readonly matched: ReadonlyArray<string>
}

const leaks = state.leaks

/** Scans a text produced somewhere observable (a log, a span, the console); records leaks. */
export const scan = (where: string, text: string): void => {
  const matched = findSecrets(text)
  if (matched.length > 0 && leaks.length < 100) leaks.push({ where, matched })
}

/** The leaks found so far, and forgets them. */
export const takeLeaks = (): ReadonlyArray<Leak> => leaks.splice(0, leaks.length)
