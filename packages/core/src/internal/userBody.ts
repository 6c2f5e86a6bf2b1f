import { PlexUser } from "../PlexUser.js"
import { bodyDecoder } from "./response.js"
import { decodeUserFast } from "./userDecode.js"

/**
 * The account, as sign-in, `GET /api/v2/user` and a Home switch answer it: compiled once, with the
 * fast path for the common shape (the full Schema decode on any mismatch).
 */
export const decodeUser = bodyDecoder(PlexUser, decodeUserFast)
