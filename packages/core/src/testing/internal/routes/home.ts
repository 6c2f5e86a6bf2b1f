/**
 * Plex Home: users and switching (plex-tv-api.md §2.7).
 *
 * Membership comes from the accounts: an account with `homeAdminId` belongs to that admin's Home;
 * every other account is the admin of its own Home (alone unless others name it). An account with
 * a `homePin` is `protected`.
 *
 * - `GET /api/v2/home/users` (any member's token) → 200, the object form
 *   `{ id, name, guestUserID, guestUserUUID, guestEnabled, subscription, users }` by default, or a
 *   bare array (`HomeOptions.usersForm: "array"`). Managed users have `username` and `email` null;
 *   each member has `updatedAt`, and a protected one a hashed `pin` (a stand-in hash, never the
 *   PIN). `HomeOptions.guestEnabled` fills the guest fields, `HomeOptions.oddEntries` appends
 *   members without a usable `uuid`.
 * - `POST /api/v2/home/users/:uuid/switch` (the Home admin's token) → `HomeOptions.switchStatus`
 *   (default 201; 200 vs 201 is open) with the target's account object and a token issued to the
 *   caller's client identifier. A protected target needs `?pin=` equal to its `homePin`: missing
 *   or wrong → 403/1041 without `status`, as captured. A member that is not the admin → 403/1009
 *   (the code of "not allowed for managed users", a weak source); a uuid outside the caller's
 *   Home → 404/1002. Bursts draw 429 through the global per-route rate limiter.
 */
import type {
  FakeAccount,
  FakeRequest,
  FakeResponse,
  HomeOptions,
  HomeState,
  PlexTvSettings,
  PlexTvState
} from "../types.js"
import { type ApiError, apiErrors, errorResponse, json, ok, toXml, wantsJson, xmlDocument, xmlType } from "../bodies.js"
import { authenticate, isResponse, type Route } from "../route.js"
import { issueToken, userBody } from "../tokens.js"

export const initialHome = (options: HomeOptions | undefined): HomeState => ({
  usersForm: options?.usersForm ?? "object",
  switchStatus: options?.switchStatus ?? 201,
  guestEnabled: options?.guestEnabled === true,
  oddEntries: options?.oddEntries === true
})

/** The guest user of a Home with guests on (`HomeOptions.guestEnabled`). */
export const guestUser = { id: 10000099, uuid: "9a9a9a9a9a9a9a9a" } as const

/** A stand-in for plex.tv's hashed Home PIN: a digest-looking hex string, never the PIN itself. */
const pinHash = (pin: string): string => {
  let hash = 0x811c9dc5
  for (const char of `fake-home-pin:${pin}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193)
  return (hash >>> 0).toString(16).padStart(8, "0").repeat(5)
}

/** Members a decoder must survive (`HomeOptions.oddEntries`): no `uuid`; an empty `uuid` and a string `id`. */
const oddUsers: ReadonlyArray<Record<string, unknown>> = [
  { id: 10000097, title: "Half-made Profile", username: null, email: null, restricted: true, protected: false },
  { id: "10000098", uuid: "", title: "Broken Profile", restricted: true, protected: false }
]

const notAllowed: ApiError = { code: 1009, message: "This action is not allowed for managed users", status: 403 }

/** The id of the Home's admin: the Home's identity. */
const homeIdOf = (account: FakeAccount): number => account.homeAdminId ?? account.id

/** The admin first (when it exists), then the other members in account order. */
const membersOf = (state: PlexTvState, homeId: number): ReadonlyArray<FakeAccount> => [
  ...state.accounts.filter((account) => account.id === homeId),
  ...state.accounts.filter((account) => account.id !== homeId && account.homeAdminId === homeId)
]

const text = (value: unknown, fallback: string | null): string | null => (typeof value === "string" ? value : fallback)

/** A member as `/api/v2/home/users` lists it. */
const homeUser = (account: FakeAccount, homeId: number): Record<string, unknown> => {
  const managed = account.payload.restricted === true
  return {
    id: account.id,
    uuid: account.uuid,
    title: text(account.payload.title, account.username),
    username: managed ? null : account.username,
    email: managed ? null : account.email,
    friendlyName: text(account.payload.friendlyName, ""),
    thumb: text(account.payload.thumb, null),
    hasPassword: account.password !== undefined,
    restricted: managed,
    updatedAt: 1650000000,
    restrictionProfile: managed ? text(account.payload.restrictionProfile, null) : null,
    admin: account.id === homeId,
    guest: false,
    protected: account.homePin !== undefined,
    // plex.tv lists a protected member's hashed PIN: its presence means a PIN is needed
    ...(account.homePin === undefined ? {} : { pin: pinHash(account.homePin) })
  }
}

/** `toXml` writes list members as `<item>`: these lists get their proper element names. */
const withList = (element: string, name: string, listName: string, itemXml: string): string => {
  const children = `<${listName}>${itemXml}</${listName}>`
  return element.endsWith("/>")
    ? `${element.slice(0, -2)}>${children}</${name}>`
    : element.replace(new RegExp(`</${name}>$`), `${children}</${name}>`)
}

const usersAnswer = (
  request: FakeRequest,
  state: PlexTvState,
  homeId: number,
  users: ReadonlyArray<Record<string, unknown>>
): FakeResponse => {
  const settings: PlexTvSettings = state.settings
  const usersXml = users.map((user) => toXml("user", user, settings)).join("")
  if (state.home.usersForm === "array") {
    return wantsJson(request)
      ? json(200, users)
      : { status: 200, headers: { "content-type": xmlType }, body: xmlDocument(`<users>${usersXml}</users>`) }
  }
  const admin = state.accounts.find((account) => account.id === homeId)
  const home = {
    id: 700000 + (homeId % 100000),
    name: `${admin?.username ?? "Plex"} Home`,
    guestUserID: state.home.guestEnabled ? guestUser.id : null,
    guestUserUUID: state.home.guestEnabled ? guestUser.uuid : null,
    guestEnabled: state.home.guestEnabled,
    subscription: (admin?.payload.subscription as { readonly active?: unknown } | undefined)?.active === true
  }
  if (wantsJson(request)) return json(200, { ...home, users })
  return {
    status: 200,
    headers: { "content-type": xmlType },
    body: xmlDocument(withList(toXml("home", home, settings), "home", "users", usersXml))
  }
}

const users: Route = {
  method: "GET",
  path: "/api/v2/home/users",
  handler: (state, request, context) => {
    const auth = authenticate(state, request, context)
    if (isResponse(auth)) return [auth, state]
    const homeId = homeIdOf(auth.account)
    const list = [
      ...membersOf(state, homeId).map((account) => homeUser(account, homeId)),
      ...(state.home.oddEntries ? oddUsers : [])
    ]
    return [usersAnswer(request, state, homeId, list), state]
  }
}

const switchUser: Route = {
  method: "POST",
  path: "/api/v2/home/users/:uuid/switch",
  handler: (state, request, context) => {
    const auth = authenticate(state, request, context)
    if (isResponse(auth)) return [auth, state]
    const homeId = homeIdOf(auth.account)
    const target = membersOf(state, homeId).find((account) => account.uuid === context.params.uuid)
    if (target === undefined) return [errorResponse(request, 404, [apiErrors.notFound]), state]
    if (auth.account.id !== homeId) return [errorResponse(request, 403, [notAllowed]), state]
    if (target.homePin !== undefined && context.query.get("pin") !== target.homePin) {
      return [errorResponse(request, 403, [apiErrors.homePinRequired]), state]
    }
    const [token, next] = issueToken(state, target.id, context.clientIdentifier)
    return [ok(request, state.home.switchStatus, "user", userBody(target, token), state.settings), next]
  }
}

export const homeRoutes: ReadonlyArray<Route> = [users, switchUser]
