/** PIN linking (plex-tv-api.md §2.4). */
import type { Route } from "../route.js"

/** What the fake knows about PINs. */
export interface PinsState {}

/** Options for PINs. */
export interface PinsOptions {}

export const initialPins = (_options: PinsOptions | undefined): PinsState => ({})

export const pinRoutes: ReadonlyArray<Route> = []
