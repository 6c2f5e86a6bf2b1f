/** Password sign-in, the current user, keep-alive and sign-out (plex-tv-api.md §2.1–2.3). */
import type { PlexTvState } from "../types.js"
import { type ApiError, apiErrors, errorResponse, noContent, ok } from "../bodies.js"
import { type Answer, authenticate, isResponse, type Route } from "../route.js"
import { findAccountByLogin, issueToken, setTokenState, userBody } from "../tokens.js"

const signIn: Route = {
  method: "POST",
  path: "/api/v2/users/signin",
  handler: (state0, request, { clientIdentifier, now }) => {
    const state: PlexTvState = { ...state0, signInAttempts: state0.signInAttempts + 1 }
    const form = new URLSearchParams(request.body)
    const login = form.get("login")
    const password = form.get("password")
    if (login === null || login === "" || password === null || password === "") {
      return [errorResponse(request, 400, [apiErrors.badRequest]), state]
    }
    if (state.lockout.lockedUntil > now) return [errorResponse(request, 401, [apiErrors.throttled]), state]
    const fail = (error: ApiError): Answer => {
      const failures = state.lockout.failures + 1
      const locked = failures >= state.settings.lockoutThreshold
      return [errorResponse(request, 401, [error]), {
        ...state,
        lockout: { failures: locked ? 0 : failures, lockedUntil: locked ? now + state.settings.lockoutMillis : 0 }
      }]
    }
    const account = findAccountByLogin(state, login)
    if (account === undefined || account.password !== password) return fail(apiErrors.unauthenticated)
    if (account.verificationCode !== undefined) {
      const code = form.get("verificationCode")
      if (code === null || code === "") return [errorResponse(request, 401, [apiErrors.codeRequired]), state]
      if (code !== account.verificationCode) return fail(apiErrors.invalidCode)
    }
    const unlocked = { ...state, lockout: { failures: 0, lockedUntil: 0 } }
    const [token, next] = issueToken(unlocked, account.id, clientIdentifier)
    return [ok(request, 201, "user", userBody(account, token), state.settings), next]
  }
}

const currentUser: Route = {
  method: "GET",
  path: "/api/v2/user",
  handler: (state, request, context) => {
    const auth = authenticate(state, request, context)
    if (isResponse(auth)) return [auth, state]
    return [ok(request, 200, "user", userBody(auth.account, auth.token), state.settings), state]
  }
}

const ping: Route = {
  method: "GET",
  path: "/api/v2/ping",
  handler: (state, request, context) => {
    const auth = authenticate(state, request, context)
    if (isResponse(auth)) return [auth, state]
    return [ok(request, 200, "pong", { pong: true }, state.settings), state]
  }
}

const signOut: Route = {
  method: "DELETE",
  path: "/api/v2/users/signout",
  handler: (state, request, context) => {
    const auth = authenticate(state, request, context)
    if (isResponse(auth)) return [auth, state]
    return [noContent, setTokenState(state, auth.token, "signedOut")]
  }
}

export const accountRoutes: ReadonlyArray<Route> = [signIn, currentUser, ping, signOut]

export { errorResponse }
