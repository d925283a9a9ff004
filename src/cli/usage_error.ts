/**
 * The one error type the CLI layer throws for bad input (flags, config file).
 *
 * @module
 */

/**
 * A user mistake on the command line or in the config file. The message is
 * one line without the `netscope: ` prefix; the caller prints
 * `netscope: ${message}` on stderr and exits with {@link UsageError.exitCode}.
 */
export class UsageError extends Error {
  /** Process exit code for usage errors (2, as tcpdump and clap use). */
  readonly exitCode = 2;

  /** Creates a usage error; `message` must be a single line. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
