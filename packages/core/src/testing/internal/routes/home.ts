/** Plex Home: users and switching (plex-tv-api.md §2.7). */
import type { Route } from "../route.js"

/** What the fake knows about Plex Home. */
export interface HomeState {}

/** Options for Plex Home. */
export interface HomeOptions {}

export const initialHome = (_options: HomeOptions | undefined): HomeState => ({})

export const homeRoutes: ReadonlyArray<Route> = []
