/** Resources: servers and players (plex-tv-api.md §2.6). */
import type { Route } from "../route.js"

/** What the fake knows about resources. */
export interface ResourcesState {}

/** Options for resources. */
export interface ResourcesOptions {}

export const initialResources = (_options: ResourcesOptions | undefined): ResourcesState => ({})

export const resourceRoutes: ReadonlyArray<Route> = []
