/**
 * Real payload shapes over HTTP: the samples of the fake's fixtures, served by PlexTvServer and
 * read through undici, decode as they do in memory.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { PasswordCredentials, PlexAuth } from "@effect-plex/core"
import { FakeAccount } from "@effect-plex/core/testing"
import { PlexNode } from "@effect-plex/node"
import { PlexTvServer } from "@effect-plex/node/testing"

const client = { clientIdentifier: "payloads-node-test" }

const overHttp = PlexAuth.layer.pipe(
  Layer.provide(PlexTvServer.layerConfig(client)),
  Layer.provide(PlexNode.layerHttpClient),
  Layer.provideMerge(PlexTvServer.layer({ accounts: [FakeAccount.lapsed], settings: { rateLimit: undefined } }))
)

describe("account payloads over PlexTvServer", () => {
  it.live("a lapsed Plex Pass (pastSubscriptions with a string id) never fails the sign-in", () =>
    Effect.gen(function*() {
      const auth = yield* PlexAuth
      const user = yield* auth.signIn(
        PasswordCredentials.make({ login: "fake-lapsed", password: Redacted.make("lapsed-password") })
      )
      assert.strictEqual(user.pastSubscriptions?.[0]?.id, "7d3e5a1c-past-0001")
      assert.strictEqual(user.pastSubscriptions?.[0]?.endsAt, 1582893108)
      assert.strictEqual(user.subscription?.status, "Lapsed")
    }).pipe(Effect.provide(overHttp)))
})
