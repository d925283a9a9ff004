/**
 * Capture filters for offline reading: a tcpdump filter expression compiled
 * once by libpcap (FFI, bpf_program.ts) and run per packet as generated
 * JavaScript (bpf_codegen.ts), with libpcap's exact semantics and no FFI
 * call per packet.
 *
 * ```ts
 * const filters = new FilterSet("tcp port 80");
 * if (filters.matchFrame(frame)) { ... }
 * ```
 *
 * @module
 */

import { compileBpfPredicate } from "./bpf_codegen.ts";
import {
  type BpfProgram,
  compileBpfProgram,
  type CompileOptions,
  DEFAULT_SNAPLEN,
  FilterError,
  formatBpfProgram,
} from "./bpf_program.ts";
import type { Frame } from "./frame.ts";

export { type CompileOptions, FilterError } from "./bpf_program.ts";

/** A compiled filter for one link type. */
export interface BpfMatcher {
  /** The expression as given. */
  readonly expression: string;
  /** LINKTYPE_* the program was compiled for. */
  readonly linkType: number;
  /**
   * True if the packet `buf[offset .. offset + capLen)` passes; `wireLen` is
   * its original length (what `len`, `greater`, `less` test), `capLen` the
   * bytes present (loads beyond them reject the packet, as in libpcap).
   * Allocates nothing.
   */
  match(buf: Uint8Array, offset: number, capLen: number, wireLen: number): boolean;
}

/** A {@link BpfMatcher} that also exposes its BPF program. */
export class CompiledFilter implements BpfMatcher {
  readonly expression: string;
  readonly linkType: number;
  /** The instructions libpcap produced. */
  readonly program: BpfProgram;
  /** The generated predicate (set once in the constructor; no wrapper call). */
  readonly match: (buf: Uint8Array, offset: number, capLen: number, wireLen: number) => boolean;

  constructor(expression: string, linkType: number, program: BpfProgram) {
    this.expression = expression;
    this.linkType = linkType;
    this.program = program;
    this.match = compileBpfPredicate(program);
  }

  /** The program in `tcpdump -d` notation. */
  dump(): string {
    return formatBpfProgram(this.program);
  }
}

/**
 * Compiles `expression` for link type `linkType` (LINKTYPE_* number) once.
 *
 * `snaplen` only sets the value an accepting program returns (libpcap
 * refuses 0); the default is 262144 like tcpdump's. `options` are rarely
 * needed (see CompileOptions; e.g. `fileByteOrder` for DLT_NULL captures
 * written on a big-endian machine).
 *
 * @throws FilterError (one-line message) on a bad expression, one that does
 *   not apply to this link type, one that needs Linux kernel metadata, or
 *   when libpcap cannot be loaded.
 */
export function compileFilter(
  expression: string,
  linkType: number,
  snaplen: number = DEFAULT_SNAPLEN,
  options: CompileOptions = {},
): CompiledFilter {
  return new CompiledFilter(
    expression,
    linkType,
    compileBpfProgram(expression, linkType, snaplen, options),
  );
}

/**
 * One expression, compiled lazily per link type (pcapng files may mix link
 * types). A link type the expression cannot apply to throws the same
 * FilterError on every call, compiled only once.
 */
export class FilterSet {
  /** The expression as given. */
  readonly expression: string;
  /** Snapshot length passed to libpcap. */
  readonly snaplen: number;
  /** Compile options used for every link type. */
  readonly options: CompileOptions;
  private readonly matchers = new Map<number, CompiledFilter | FilterError>();
  private lastLinkType = -1;
  private last: CompiledFilter | null = null;

  constructor(expression: string, snaplen: number = DEFAULT_SNAPLEN, options: CompileOptions = {}) {
    this.expression = expression;
    this.snaplen = snaplen;
    this.options = options;
  }

  /**
   * The matcher for `linkType`, compiled on first use.
   *
   * @throws FilterError if the expression cannot be compiled for it.
   */
  matcherFor(linkType: number): CompiledFilter {
    if (linkType === this.lastLinkType && this.last !== null) return this.last;
    let m = this.matchers.get(linkType);
    if (m === undefined) {
      try {
        m = compileFilter(this.expression, linkType, this.snaplen, this.options);
      } catch (e) {
        if (!(e instanceof FilterError)) throw e;
        m = e;
      }
      this.matchers.set(linkType, m);
    }
    if (m instanceof FilterError) throw m;
    this.lastLinkType = linkType;
    this.last = m;
    return m;
  }

  /**
   * True if `frame` passes the filter compiled for its link type.
   *
   * @throws FilterError if the expression cannot be compiled for that link type.
   */
  matchFrame(frame: Frame): boolean {
    return this.matcherFor(frame.linkType).match(
      frame.buf,
      frame.offset,
      frame.capLen,
      frame.wireLen,
    );
  }
}
