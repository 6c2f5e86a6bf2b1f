/** Accounts and tokens: shared by every route. */
import type { FakeAccount, FakeToken, PlexTvState } from "./types.js"

export const findAccountByLogin = (state: PlexTvState, login: string): FakeAccount | undefined => {
  const wanted = login.toLowerCase()
  return state.accounts.find((account) =>
    account.password !== undefined &&
    (account.username.toLowerCase() === wanted || account.email.toLowerCase() === wanted)
  )
}

/** The account object as plex.tv sends it, with `authToken` set to the token that asked. */
export const userBody = (account: FakeAccount, token: string): Record<string, unknown> => ({
  ...account.payload,
  id: account.id,
  uuid: account.uuid,
  username: account.username,
  email: account.email,
  authToken: token
})

/** Issues (or reuses) the classic token of an account for a client identifier, as sign-in does. */
export const issueToken = (
  state: PlexTvState,
  accountId: number,
  clientIdentifier: string
): readonly [token: string, state: PlexTvState] => {
  const existing = Object.entries(state.tokens).find(([, record]) =>
    record.accountId === accountId && record.clientIdentifier === clientIdentifier && record.state === "active" &&
    record.kind === "classic" && record.expiresAt === undefined // an expired one is never handed out again
  )
  if (existing !== undefined) return [existing[0], state]
  const issued = state.issued + 1
  const token = `FAKEsignin${String(issued).padStart(10, "0")}`
  return [token, addToken(state, token, { accountId, clientIdentifier, state: "active", kind: "classic" }, issued)]
}

/** Records a token (a new classic token, or a Plex JWT the JWT routes issued). */
export const addToken = (state: PlexTvState, token: string, record: FakeToken, issued = state.issued): PlexTvState => ({
  ...state,
  issued,
  tokens: { ...state.tokens, [token]: record }
})

export const setTokenState = (state: PlexTvState, token: string, tokenState: FakeToken["state"]): PlexTvState => {
  const record = state.tokens[token]
  if (record === undefined) return state
  return { ...state, tokens: { ...state.tokens, [token]: { ...record, state: tokenState } } }
}
