import { PlexUser } from "../PlexUser.js"
import { bodyDecoder } from "./response.js"

/** The account, as sign-in, `GET /api/v2/user` and a Home switch answer it: compiled once. */
export const decodeUser = bodyDecoder(PlexUser)
