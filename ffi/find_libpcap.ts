/**
 * Finds and opens the system libpcap with `Deno.dlopen`.
 *
 * Order: the `NETSCOPE_LIBPCAP` environment variable (a path or a library
 * name; when set it is the only candidate, so a wrong value is reported
 * instead of silently replaced by another libpcap), then the library names
 * the dynamic loader resolves through its own search path (`libpcap.so.1`,
 * `libpcap.so.0.8`, `libpcap.so`), then the same names in the usual
 * Debian/Ubuntu, Fedora/RHEL and Alpine directories. On macOS the system
 * `libpcap.A.dylib` and Homebrew's `libpcap.dylib`; on Windows Npcap's
 * `wpcap.dll`.
 *
 * @module
 */

/** Environment variable naming the libpcap to load (path or library name). */
export const LIBPCAP_ENV = "NETSCOPE_LIBPCAP";

/** Raised when no candidate could be opened; the message says what was tried. */
export class LibpcapLoadError extends Error {
  /** Every path or name that was tried, in order. */
  readonly tried: readonly string[];

  constructor(message: string, tried: readonly string[]) {
    super(message);
    this.name = "LibpcapLoadError";
    this.tried = tried;
  }
}

/** An opened libpcap and where it was found. */
export interface FoundLibpcap<S extends Deno.ForeignLibraryInterface> {
  readonly library: Deno.DynamicLibrary<S>;
  /** The candidate that worked (as passed to `Deno.dlopen`). */
  readonly path: string;
}

const LINUX_NAMES = ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so"];
const LINUX_DIRS = [
  "/usr/lib/x86_64-linux-gnu", // Debian/Ubuntu amd64
  "/usr/lib/aarch64-linux-gnu", // Debian/Ubuntu arm64
  "/usr/lib/arm-linux-gnueabihf",
  "/usr/lib/i386-linux-gnu",
  "/lib/x86_64-linux-gnu",
  "/lib/aarch64-linux-gnu",
  "/usr/lib64", // Fedora/RHEL/openSUSE
  "/usr/lib", // Alpine, Arch
  "/lib",
  "/usr/local/lib", // built from source
];
const DARWIN_CANDIDATES = [
  "libpcap.A.dylib",
  "/usr/lib/libpcap.A.dylib", // system copy (lives in the dyld shared cache)
  "/usr/lib/libpcap.dylib",
  "/opt/homebrew/opt/libpcap/lib/libpcap.dylib", // Homebrew, Apple silicon
  "/usr/local/opt/libpcap/lib/libpcap.dylib", // Homebrew, Intel
  "/opt/local/lib/libpcap.dylib", // MacPorts
];
const WINDOWS_CANDIDATES = [
  "C:\\Windows\\System32\\Npcap\\wpcap.dll",
  "wpcap.dll",
];

/**
 * The candidates tried for `os` (a `Deno.build.os` value) when
 * `NETSCOPE_LIBPCAP` is not set, in order.
 */
export function libpcapCandidates(os: string = Deno.build.os): string[] {
  if (os === "darwin") return [...DARWIN_CANDIDATES];
  if (os === "windows") return [...WINDOWS_CANDIDATES];
  const out = [...LINUX_NAMES];
  for (const dir of LINUX_DIRS) {
    for (const name of LINUX_NAMES) out.push(`${dir}/${name}`);
  }
  return out;
}

/** A short description of the default candidates for `os`, for error messages. */
export function describeCandidates(os: string = Deno.build.os): string {
  if (os === "darwin") return DARWIN_CANDIDATES.join(", ");
  if (os === "windows") return WINDOWS_CANDIDATES.join(", ");
  return `${LINUX_NAMES.join(", ")} on the loader's search path and in ${LINUX_DIRS.join(", ")}`;
}

/** How to install libpcap on `os`, for error messages. */
export function libpcapInstallHint(os: string = Deno.build.os): string {
  if (os === "darwin") return 'macOS ships libpcap; or "brew install libpcap"';
  if (os === "windows") return "install Npcap from https://npcap.com";
  return '"apt-get install libpcap0.8" (Debian/Ubuntu), "dnf install libpcap" ' +
    '(Fedora/RHEL), "apk add libpcap" (Alpine)';
}

function readEnv(): string | undefined {
  try {
    const v = Deno.env.get(LIBPCAP_ENV);
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  } catch {
    // No --allow-env: behave as if the variable were unset.
    return undefined;
  }
}

function isPermissionError(e: unknown): boolean {
  return e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied;
}

function oneLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split("\n")[0].trim();
}

/**
 * Opens libpcap with the symbol table `symbols`.
 *
 * @throws LibpcapLoadError naming every candidate tried and how to install
 *   libpcap, or saying that FFI permission (`--allow-ffi`) is missing.
 */
export function findLibpcap<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
): FoundLibpcap<S> {
  const fromEnv = readEnv();
  const candidates = fromEnv !== undefined ? [fromEnv] : libpcapCandidates();
  const tried: string[] = [];
  let lastError = "";
  for (const path of candidates) {
    tried.push(path);
    try {
      return { library: Deno.dlopen(path, symbols), path };
    } catch (e) {
      if (isPermissionError(e)) {
        throw new LibpcapLoadError(
          "Cannot load libpcap: FFI access is not allowed (run with --allow-ffi)",
          tried,
        );
      }
      lastError = oneLine(e);
    }
  }
  const what = fromEnv !== undefined
    ? `${LIBPCAP_ENV}=${fromEnv} could not be opened (${lastError})`
    : `tried ${describeCandidates()}`;
  throw new LibpcapLoadError(
    `Cannot load libpcap: ${what}; install it with ${libpcapInstallHint()} ` +
      `or set ${LIBPCAP_ENV} to the library's path`,
    tried,
  );
}
