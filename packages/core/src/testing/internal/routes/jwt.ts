/** JWT device authentication (plex-tv-api.md §2.5). */
import type { Route } from "../route.js"

/** What the fake knows about device keys, nonces and its own signing keys. */
export interface JwtState {}

/** Options for JWT device authentication. */
export interface JwtOptions {}

export const initialJwt = (_options: JwtOptions | undefined): JwtState => ({})

export const jwtRoutes: ReadonlyArray<Route> = []
