/**
 * The fake plex.tv's accounts for the bench: `FakeAccount.owner` with the 100 tokens of the cache
 * bench, and one field real plex.tv sends in `profile` that the fake leaves out:
 * `mediaReviewsVisibility` (plexjs's schema requires it, so without it plexjs fails every call;
 * the library ignores it). Every variant gets the same body. Used by `server.ts` and `decode.ts`.
 */
import { FakeAccount } from "@effect-plex/core/testing"
import { BENCH_TOKENS } from "./shared.js"

const owner = FakeAccount.owner
const profile = owner.payload["profile"] as Readonly<Record<string, unknown>>

export const benchOwner: FakeAccount = {
  ...owner,
  tokens: [...owner.tokens, ...BENCH_TOKENS],
  payload: { ...owner.payload, profile: { ...profile, mediaReviewsVisibility: 0 } }
}
