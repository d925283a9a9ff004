/**
 * Classic BPF → JavaScript: turns a validated program into a function
 * `(buf, off, capLen, wireLen)` built with `new Function`, with exactly the
 * semantics of bpf_interpreter.ts (libpcap's `pcap_filter`) and no
 * allocation per call.
 *
 * Two code shapes:
 * - "blocks" (default for forward-only programs, the fastest, see
 *   docs/PLATFORM.md §5): every jump target `t` becomes a labelled block
 *   `Lt: { … }` that closes right before instruction `t`; all blocks open at
 *   the top, so they nest, and a jump is `break Lt`.
 * - "switch": `for (;;) switch (pc) { case t: … }` with fall-through between
 *   consecutive instructions and `pc = t; continue` for jumps. Needed for
 *   backward jumps (`protochain`), and used for programs with very many jump
 *   targets, whose block nesting would be too deep for the JS parser.
 *
 * Only reachable instructions are emitted.
 *
 * @module
 */

import {
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_DIV,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MOD,
  BPF_MSH,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RET,
  BPF_RSH,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  BPF_XOR,
  type BpfProgram,
  FilterError,
  hasBackwardJumps,
  validateBpfProgram,
} from "./bpf_program.ts";

/** A generated filter returning the program's u32 return value (0 = reject). */
export type BpfFunction = (
  buf: Uint8Array,
  off: number,
  capLen: number,
  wireLen: number,
) => number;

/** A generated filter returning true when the packet is accepted. */
export type BpfPredicate = (
  buf: Uint8Array,
  off: number,
  capLen: number,
  wireLen: number,
) => boolean;

/** Code shape; see the module comment. */
export type CodegenStyle = "blocks" | "switch";

/** Options for code generation. */
export interface CodegenOptions {
  /** Force a code shape; by default "blocks" unless the program needs "switch". */
  style?: CodegenStyle;
}

/**
 * Programs with more distinct jump targets than this use the "switch" shape
 * (V8's parser overflows its stack at ≈2,500 nested blocks, measured).
 */
export const MAX_BLOCK_LABELS = 1000;

type ResultKind = "value" | "boolean";

/**
 * The JavaScript source of the function body (parameters `buf, off, capLen,
 * wireLen`) for `prog`.
 *
 * @throws FilterError if the program is not valid (see validateBpfProgram),
 *   or if "blocks" is forced for a program with backward jumps.
 */
export function generateBpfSource(
  prog: BpfProgram,
  result: ResultKind = "value",
  options: CodegenOptions = {},
): string {
  const bad = validateBpfProgram(prog);
  if (bad !== null) throw new FilterError(`Cannot generate filter code: ${bad}`);
  const backward = hasBackwardJumps(prog);
  if (options.style === "blocks" && backward) {
    throw new FilterError("Cannot generate filter code: backward jumps need the switch style");
  }
  const reachable = reachableInstructions(prog);
  const targets = jumpTargets(prog, reachable);
  const style: CodegenStyle = options.style ??
    (backward || targets.length > MAX_BLOCK_LABELS ? "switch" : "blocks");
  const g = new Emitter(prog, result, style);
  return style === "blocks"
    ? g.blocks(reachable, targets)
    : g.switchLoop(reachable, targets, backward);
}

/**
 * Compiles `prog` to a function returning its u32 return value.
 *
 * @throws FilterError if the program is not valid.
 */
export function compileBpfFunction(prog: BpfProgram, options: CodegenOptions = {}): BpfFunction {
  return build(prog, "value", options) as BpfFunction;
}

/**
 * Compiles `prog` to a predicate: true when the program returns nonzero.
 *
 * @throws FilterError if the program is not valid.
 */
export function compileBpfPredicate(prog: BpfProgram, options: CodegenOptions = {}): BpfPredicate {
  return build(prog, "boolean", options) as BpfPredicate;
}

function build(prog: BpfProgram, result: ResultKind, options: CodegenOptions): unknown {
  const src = generateBpfSource(prog, result, options);
  try {
    return new Function("buf", "off", "capLen", "wireLen", src);
  } catch (e) {
    // Block nesting deeper than the JS parser's stack allows (≈2,500 labels).
    if (!(e instanceof RangeError)) throw e;
    if (options.style !== undefined) {
      throw new FilterError(
        `Cannot generate filter code: program too large for the ${options.style} style`,
      );
    }
    return new Function(
      "buf",
      "off",
      "capLen",
      "wireLen",
      generateBpfSource(prog, result, { style: "switch" }),
    );
  }
}

/** Successors of instruction `i` (validated program). */
function successors(prog: BpfProgram, i: number): number[] {
  const c = prog.code[i];
  const cls = c & 0x07;
  if (cls === BPF_RET) return [];
  if (cls === BPF_JMP) {
    if ((c & 0xf0) === BPF_JA) return [i + 1 + (prog.k[i] | 0)];
    return [i + 1 + prog.jt[i], i + 1 + prog.jf[i]];
  }
  return [i + 1];
}

function reachableInstructions(prog: BpfProgram): Uint8Array {
  const seen = new Uint8Array(prog.length);
  const stack = [0];
  seen[0] = 1;
  while (stack.length > 0) {
    const i = stack.pop()!;
    for (const s of successors(prog, i)) {
      if (seen[s] === 0) {
        seen[s] = 1;
        stack.push(s);
      }
    }
  }
  return seen;
}

/** Sorted targets of real jumps (not fall-through) from reachable instructions. */
function jumpTargets(prog: BpfProgram, reachable: Uint8Array): number[] {
  const set = new Set<number>();
  for (let i = 0; i < prog.length; i++) {
    if (reachable[i] === 0 || (prog.code[i] & 0x07) !== BPF_JMP) continue;
    for (const s of successors(prog, i)) if (s !== i + 1) set.add(s);
  }
  return [...set].sort((a, b) => a - b);
}

class Emitter {
  readonly lines: string[] = [];
  readonly reject: string;
  usesLen = false;
  usesT = false;
  readonly mem = new Set<number>();

  constructor(
    readonly prog: BpfProgram,
    readonly result: ResultKind,
    readonly style: CodegenStyle,
  ) {
    this.reject = result === "value" ? "0" : "false";
  }

  ret(expr: "k" | "a", k: number): string {
    if (expr === "a") return this.result === "value" ? "return a;" : "return a !== 0;";
    return this.result === "value" ? `return ${k};` : `return ${k !== 0};`;
  }

  jump(target: number): string {
    return this.style === "blocks" ? `break L${target};` : `{ pc = ${target}; continue; }`;
  }

  /** Statement(s) for instruction `i`; jumps to `i + 1` become fall-through. */
  insn(i: number): string {
    const { code, jt, jf } = this.prog;
    const c = code[i];
    const k = this.prog.k[i];
    const rej = this.reject;
    switch (c) {
      case BPF_RET | BPF_K:
        return this.ret("k", k);
      case BPF_RET | BPF_A:
        return this.ret("a", k);
      case BPF_LD | BPF_W | BPF_ABS:
        return `if (capLen < ${k + 4}) return ${rej}; a = ${be32("off", k)};`;
      case BPF_LD | BPF_H | BPF_ABS:
        return `if (capLen < ${k + 2}) return ${rej}; a = ${be16("off", k)};`;
      case BPF_LD | BPF_B | BPF_ABS:
        return `if (capLen <= ${k}) return ${rej}; a = ${
          k === 0 ? "buf[off]" : `buf[off + ${k}]`
        };`;
      case BPF_LD | BPF_W | BPF_LEN:
        this.usesLen = true;
        return "a = len;";
      case BPF_LDX | BPF_W | BPF_LEN:
        this.usesLen = true;
        return "x = len;";
      case BPF_LD | BPF_W | BPF_IND:
        this.usesT = true;
        return `t = x + ${k}; if (t + 4 > capLen) return ${rej}; t += off; a = ${be32("t", 0)};`;
      case BPF_LD | BPF_H | BPF_IND:
        this.usesT = true;
        return `t = x + ${k}; if (t + 2 > capLen) return ${rej}; t += off; a = ${be16("t", 0)};`;
      case BPF_LD | BPF_B | BPF_IND:
        this.usesT = true;
        return `t = x + ${k}; if (t >= capLen) return ${rej}; a = buf[off + t];`;
      case BPF_LDX | BPF_MSH | BPF_B:
        return `if (capLen <= ${k}) return ${rej}; x = (${
          k === 0 ? "buf[off]" : `buf[off + ${k}]`
        } & 15) << 2;`;
      case BPF_LD | BPF_IMM:
        return `a = ${k};`;
      case BPF_LDX | BPF_IMM:
        return `x = ${k};`;
      case BPF_LD | BPF_MEM:
        this.mem.add(k);
        return `a = m${k};`;
      case BPF_LDX | BPF_MEM:
        this.mem.add(k);
        return `x = m${k};`;
      case BPF_ST:
        this.mem.add(k);
        return `m${k} = a;`;
      case BPF_STX:
        this.mem.add(k);
        return `m${k} = x;`;
      case BPF_JMP | BPF_JA: {
        const rel = k | 0;
        const target = i + 1 + rel;
        if (rel === 0) return "";
        if (rel < 0) return `if (++bj > bjMax) return ${rej}; ${this.jump(target)}`;
        return this.jump(target);
      }
      case BPF_MISC | BPF_TAX:
        return "x = a;";
      case BPF_MISC | BPF_TXA:
        return "a = x;";
      case BPF_ALU | BPF_NEG:
        return "a = (0 - a) >>> 0;";
    }
    const cls = c & 0x07;
    const operand = (c & 0x08) === BPF_X ? "x" : String(k);
    if (cls === BPF_JMP) {
      let cond: string;
      switch (c & 0xf0) {
        case BPF_JEQ:
          cond = `a === ${operand}`;
          break;
        case BPF_JGT:
          cond = `a > ${operand}`;
          break;
        case BPF_JGE:
          cond = `a >= ${operand}`;
          break;
        case BPF_JSET:
        default:
          cond = `(a & ${operand}) !== 0`;
      }
      const t = i + 1 + jt[i];
      const f = i + 1 + jf[i];
      if (t === f) return t === i + 1 ? "" : this.jump(t);
      if (f === i + 1) return `if (${cond}) ${this.jump(t)}`;
      if (t === i + 1) return `if (!(${cond})) ${this.jump(f)}`;
      return `if (${cond}) ${this.jump(t)} ${this.jump(f)}`;
    }
    // BPF_ALU with K or X.
    const byX = (c & 0x08) === BPF_X;
    switch (c & 0xf0) {
      case BPF_ADD:
        return `a = (a + ${operand}) >>> 0;`;
      case BPF_SUB:
        return `a = (a - ${operand}) >>> 0;`;
      case BPF_MUL:
        return `a = Math.imul(a, ${operand}) >>> 0;`;
      case BPF_DIV:
        // Exact: for u32 operands the rounded quotient never crosses an integer.
        return byX ? `if (x === 0) return ${rej}; a = (a / x) >>> 0;` : `a = (a / ${k}) >>> 0;`;
      case BPF_MOD:
        return byX ? `if (x === 0) return ${rej}; a = a % x;` : `a = a % ${k};`;
      case BPF_AND:
        return `a = (a & ${operand}) >>> 0;`;
      case BPF_OR:
        return `a = (a | ${operand}) >>> 0;`;
      case BPF_XOR:
        return `a = (a ^ ${operand}) >>> 0;`;
      case BPF_LSH:
        return byX ? "a = x < 32 ? (a << x) >>> 0 : 0;" : `a = (a << ${k}) >>> 0;`;
      case BPF_RSH:
      default:
        return byX ? "a = x < 32 ? a >>> x : 0;" : `a = a >>> ${k};`;
    }
  }

  prologue(body: string[], backward: boolean): string {
    const head = [
      '"use strict";',
      "if (capLen > buf.length - off) capLen = buf.length - off;",
      "let a = 0, x = 0;",
    ];
    if (this.usesT) head.push("let t = 0;");
    if (this.usesLen) head.push("const len = wireLen >>> 0;");
    if (this.mem.size > 0) {
      head.push(`let ${[...this.mem].sort((p, q) => p - q).map((m) => `m${m} = 0`).join(", ")};`);
    }
    if (backward) head.push(`let bj = 0; const bjMax = capLen + 256;`);
    return [...head, ...body].join("\n");
  }

  blocks(reachable: Uint8Array, targets: number[]): string {
    const body: string[] = [];
    for (let j = targets.length - 1; j >= 0; j--) body.push(`L${targets[j]}: {`);
    let next = 0; // index into targets of the next block to close
    for (let i = 0; i < this.prog.length; i++) {
      if (next < targets.length && targets[next] === i) {
        body.push(`} // L${i}`);
        next++;
      }
      if (reachable[i] === 0) continue;
      const s = this.insn(i);
      if (s !== "") body.push(s);
    }
    body.push(`return ${this.reject};`); // unreachable: the program ends in a RET
    return this.prologue(body, false);
  }

  switchLoop(reachable: Uint8Array, targets: number[], backward: boolean): string {
    const body: string[] = ["let pc = 0;", "for (;;) {", "switch (pc) {", "case 0:"];
    const isTarget = new Set(targets);
    for (let i = 0; i < this.prog.length; i++) {
      if (i !== 0 && isTarget.has(i)) body.push(`case ${i}:`);
      if (reachable[i] === 0) continue;
      const s = this.insn(i);
      if (s !== "") body.push(s);
    }
    body.push("}", `return ${this.reject};`, "}");
    return this.prologue(body, backward);
  }
}

/** Big-endian u32 read at `base + k` (k a constant offset; base "off" or "t"). */
function be32(base: string, k: number): string {
  const at = (d: number) => (k + d === 0 ? `buf[${base}]` : `buf[${base} + ${k + d}]`);
  return `((${at(0)} << 24) | (${at(1)} << 16) | (${at(2)} << 8) | ${at(3)}) >>> 0`;
}

/** Big-endian u16 read at `base + k`. */
function be16(base: string, k: number): string {
  const at = (d: number) => (k + d === 0 ? `buf[${base}]` : `buf[${base} + ${k + d}]`);
  return `(${at(0)} << 8) | ${at(1)}`;
}
