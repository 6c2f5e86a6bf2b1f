/**
 * Small files of our own (a device key, a client identifier, a token): read without trusting
 * them, written without letting anyone plant the result.
 *
 * Reading opens with `O_NOFOLLOW` (a symbolic link is refused, never followed) and `O_NONBLOCK`
 * (a FIFO cannot hang us), then checks the opened handle with `fstat`, not the path: a regular file,
 * no bigger than the bound, and for secrets not readable by group or others and owned by us (as
 * ssh checks private keys). Only then is it read, and never more than the bound.
 *
 * Writing creates a temporary file of random name next to the target, exclusively (`O_EXCL`:
 * whatever sits at that name, a symbolic link included, makes it fail instead of being
 * followed), mode 0600 from its creation; then renames it over the target (a link at the target
 * is replaced, never followed) or hard-links it into place when an existing file must win.
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import * as NodeFs from "node:fs"
import * as Fs from "node:fs/promises"
import * as Path from "node:path"

/** The largest file we read: anything larger is not one of ours. */
export const MAX_FILE_BYTES = 64 * 1024

/** A file that cannot be used: `problem` says what is wrong, `fix` what the user can do. */
export class SecureFileError extends Data.TaggedError("SecureFileError")<{
  readonly path: string
  readonly problem: string
  readonly fix: string
}> {
  override get message(): string {
    return `${this.path} ${this.problem}: ${this.fix}`
  }
}

const codeOf = (error: unknown): string => {
  const code = (error as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : "unknown error"
}

const posix = process.platform !== "win32"
const { O_CREAT, O_EXCL, O_RDONLY, O_WRONLY } = NodeFs.constants
const O_NOFOLLOW = NodeFs.constants.O_NOFOLLOW ?? 0
const O_NONBLOCK = NodeFs.constants.O_NONBLOCK ?? 0

const octal = (mode: number) => `0${(mode & 0o777).toString(8).padStart(3, "0")}`

const describeCode = (code: string): string => {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return `permission denied (${code})`
    case "ENOTDIR":
      return "a part of its path is not a directory (ENOTDIR)"
    case "ENOSPC":
      return "the disk is full (ENOSPC)"
    case "EROFS":
      return "the file system is read-only (EROFS)"
    case "EISDIR":
      return "a directory is in the way (EISDIR)"
    default:
      return code
  }
}

/** What sits at a path that cannot be opened without following a link. */
const symlinkProblem = async (path: string): Promise<string> => {
  const target = await Fs.stat(path).then(() => "an existing file", () => "a missing file")
  return `is a symbolic link (to ${target}), which is not followed`
}

const openProblem = async (path: string, code: string): Promise<SecureFileError> => {
  const isLink = code === "ELOOP" || code === "EMLINK" ||
    await Fs.lstat(path).then((stat) => stat.isSymbolicLink(), () => false)
  if (isLink) {
    return new SecureFileError({
      path,
      problem: await symlinkProblem(path),
      fix: `replace it with the file itself, or remove it`
    })
  }
  if (code === "EISDIR") return notRegular(path, "a directory")
  return new SecureFileError({
    path,
    problem: `cannot be read: ${describeCode(code)}`,
    fix: "check its owner and permissions, or remove it"
  })
}

const notRegular = (path: string, what: string) =>
  new SecureFileError({ path, problem: `is ${what}, not a regular file`, fix: "remove it, or move it aside" })

const kindOf = (stat: NodeFs.Stats): string =>
  stat.isDirectory()
    ? "a directory"
    : stat.isFIFO()
    ? "a named pipe"
    : stat.isSocket()
    ? "a socket"
    : stat.isCharacterDevice() || stat.isBlockDevice()
    ? "a device"
    : stat.isSymbolicLink()
    ? "a symbolic link"
    : "something else"

const currentUid = (): number | undefined =>
  posix && typeof process.getuid === "function" ? process.getuid() : undefined

/** Problems with an opened file's `fstat`, in the order a user should fix them. */
const checkStat = (
  path: string,
  stat: NodeFs.Stats,
  options: ReadOptions
): SecureFileError | undefined => {
  if (!stat.isFile()) return notRegular(path, kindOf(stat))
  const uid = currentUid()
  if (options.secret && uid !== undefined && stat.uid !== uid && stat.uid !== 0) {
    return new SecureFileError({
      path,
      problem: `belongs to another user (uid ${stat.uid})`,
      fix: `only a file of your own is trusted: run chown ${uid} ${path}, or remove it`
    })
  }
  if (options.secret && posix && (stat.mode & 0o077) !== 0) {
    return new SecureFileError({
      path,
      problem: `has mode ${octal(stat.mode)}, so group or others can read it`,
      fix: `run chmod 600 ${path}`
    })
  }
  if (stat.size > MAX_FILE_BYTES) return tooLarge(path, `is ${stat.size} bytes`)
  return undefined
}

const tooLarge = (path: string, size: string) =>
  new SecureFileError({
    path,
    problem: `${size}, more than the ${MAX_FILE_BYTES / 1024} KiB such a file can be`,
    fix: "is it the right file? Remove it, or move it aside"
  })

/** How to read a file. */
export interface ReadOptions {
  /** Refuse a file that group or others can read, or that belongs to another user. */
  readonly secret: boolean
}

const decoder = new TextDecoder("utf-8", { fatal: true })

const readOpen = async (path: string, options: ReadOptions): Promise<Option.Option<string>> => {
  if (O_NOFOLLOW === 0) { // no O_NOFOLLOW (Windows): check the path first, the best we can do
    const isLink = await Fs.lstat(path).then((stat) => stat.isSymbolicLink(), () => false)
    if (isLink) throw await openProblem(path, "ELOOP")
  }
  let handle: Fs.FileHandle
  try {
    handle = await Fs.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
  } catch (error) {
    const code = codeOf(error)
    if (code === "ENOENT") return Option.none()
    throw await openProblem(path, code)
  }
  try {
    const problem = checkStat(path, await handle.stat(), options)
    if (problem !== undefined) throw problem
    // the file may have grown since fstat: read at most one byte past the bound
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1)
    let length = 0
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
    }
    if (length > MAX_FILE_BYTES) throw tooLarge(path, "has grown")
    try {
      return Option.some(decoder.decode(buffer.subarray(0, length)))
    } catch {
      throw new SecureFileError({ path, problem: "is not UTF-8 text", fix: "is it the right file? Remove it" })
    }
  } finally {
    await handle.close().catch(() => undefined)
  }
}

const asSecureFileError = (path: string, verb: string) => (error: unknown): SecureFileError =>
  error instanceof SecureFileError ? error : new SecureFileError({
    path,
    problem: `cannot be ${verb}: ${describeCode(codeOf(error))}`,
    fix: "check the directory and its permissions"
  })

/**
 * The text of a small file of ours, or `None` when nothing is there. Anything else that is not a
 * readable regular file within the bound (a symbolic link, a directory, a FIFO, a file that is too
 * big, not UTF-8, not readable, or, for `secret`, readable by others) is a `SecureFileError`:
 * never "nothing there", so nobody replaces a file that exists but cannot be read.
 */
export const read = (path: string, options: ReadOptions): Effect.Effect<Option.Option<string>, SecureFileError> =>
  Effect.tryPromise({ try: () => readOpen(path, options), catch: asSecureFileError(path, "read") })

/** How to prepare a write. */
export interface WriteOptions {
  /** Create the directory (mode 0700) when missing; otherwise a missing directory is an error. */
  readonly createDirectory: boolean
  /**
   * Refuse, before anything is written, a target that is a symbolic link or belongs to another
   * user (a `--save FILE` named by a user). Otherwise a link at the target is replaced, not followed.
   */
  readonly strictTarget: boolean
}

/** A temporary file of ours, created exclusively next to its target, waiting for its contents. */
export interface PendingFile {
  readonly path: string
  /** Writes the contents, then renames the file over the target (atomic: the old file or the new). */
  readonly replace: (contents: string) => Effect.Effect<void, SecureFileError>
  /**
   * Writes the contents, then links the file into place unless something is already there
   * (`"exists"`), which is never overwritten.
   */
  readonly create: (contents: string) => Effect.Effect<"created" | "exists", SecureFileError>
}

const checkTarget = async (path: string, options: WriteOptions): Promise<void> => {
  const directory = Path.dirname(path)
  if (options.createDirectory) {
    await Fs.mkdir(directory, { recursive: true, mode: 0o700 })
  } else {
    const stat = await Fs.stat(directory).catch((error) => {
      if (codeOf(error) === "ENOENT") {
        throw new SecureFileError({
          path,
          problem: `cannot be written: the directory ${directory} does not exist`,
          fix: "create it first, or give another path"
        })
      }
      throw error
    })
    if (!stat.isDirectory()) {
      throw new SecureFileError({
        path,
        problem: `cannot be written: ${directory} is not a directory`,
        fix: "give another path"
      })
    }
  }
  const existing = await Fs.lstat(path).catch((error) => {
    if (codeOf(error) === "ENOENT") return undefined
    throw error
  })
  if (existing === undefined) return
  if (existing.isSymbolicLink()) {
    if (options.strictTarget) {
      throw new SecureFileError({
        path,
        problem: await symlinkProblem(path),
        fix: "remove the link, or give the path of a regular file"
      })
    }
    return
  }
  if (!existing.isFile()) throw notRegular(path, kindOf(existing))
  const uid = currentUid()
  if (options.strictTarget && uid !== undefined && existing.uid !== uid) {
    throw new SecureFileError({
      path,
      problem: `belongs to another user (uid ${existing.uid})`,
      fix: "remove it, or give another path"
    })
  }
}

const createTemp = async (path: string): Promise<{ readonly temp: string; readonly handle: Fs.FileHandle }> => {
  const temp = Path.join(Path.dirname(path), `.${Path.basename(path)}.${randomUUID()}.tmp`)
  const handle = await Fs.open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
  try {
    if (posix) await handle.chmod(0o600) // whatever the umask left
    return { temp, handle }
  } catch (error) {
    await handle.close().catch(() => undefined)
    await Fs.rm(temp, { force: true })
    throw error
  }
}

/**
 * Prepares writing `path`: checks the target and creates the temporary file now, so a place that
 * cannot be written is found before any work whose result would then be lost. The temporary file is
 * removed when the scope closes, whatever happened.
 */
export const prepare = (
  path: string,
  options: WriteOptions
): Effect.Effect<PendingFile, SecureFileError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        await checkTarget(path, options)
        return await createTemp(path)
      },
      catch: asSecureFileError(path, "written")
    }),
    ({ handle, temp }) =>
      Effect.promise(async () => {
        await handle.close().catch(() => undefined)
        await Fs.rm(temp, { force: true }).catch(() => undefined)
      })
  ).pipe(Effect.map(({ handle, temp }): PendingFile => {
    const write = async (contents: string) => {
      await handle.writeFile(contents, "utf8")
      await handle.sync()
      await handle.close()
    }
    return {
      path,
      replace: (contents) =>
        Effect.tryPromise({
          try: async () => {
            await write(contents)
            await Fs.rename(temp, path)
          },
          catch: asSecureFileError(path, "written")
        }),
      create: (contents) =>
        Effect.tryPromise({
          try: async () => {
            await write(contents)
            try {
              await Fs.link(temp, path)
              return "created" as const
            } catch (error) {
              if (codeOf(error) === "EEXIST") return "exists" as const
              throw error
            }
          },
          catch: asSecureFileError(path, "written")
        })
    }
  }))

/** Writes `contents` to `path` through an exclusive temporary file, replacing what was there. */
export const replace = (
  path: string,
  contents: string,
  options: WriteOptions
): Effect.Effect<void, SecureFileError> =>
  Effect.scoped(Effect.flatMap(prepare(path, options), (pending) => pending.replace(contents)))
