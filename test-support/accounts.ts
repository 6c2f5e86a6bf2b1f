/** The fake plex.tv's sample accounts, as the tests of both packages sign in and call with them. */
import * as Redacted from "effect/Redacted"
import { PasswordCredentials } from "@effect-plex/core"
import { FakeAccount } from "@effect-plex/core/testing"

/** The three sample accounts of the API reference: an owner, a two-factor account, a managed Home user. */
export const accounts = [FakeAccount.owner, FakeAccount.twoFactor, FakeAccount.managed]

/** The preset token of each sample account. */
export const tokens = {
  owner: "FAKEtokenOwner000001",
  twoFactor: "FAKEtokenTwoFactor03",
  managed: "FAKEtokenManaged0002"
} as const

export const owner = {
  login: "fake-owner",
  email: "owner@example.invalid",
  password: "owner-password",
  token: tokens.owner
} as const

export const twoFactor = { login: "fake-2fa", password: "twofactor-password", code: "123456" } as const

/** The managed Home user's uuid. */
export const MANAGED_UUID = "1e1e1e1e1e1e1e1e"

export const credentials = (
  login: string,
  password: string,
  extra: { readonly verificationCode?: string; readonly rememberMe?: boolean } = {}
) => PasswordCredentials.make({ login, password: Redacted.make(password), ...extra })

export const ownerCredentials = credentials(owner.login, owner.password)

export const OWNER_TOKEN = Redacted.make(tokens.owner)
