/**
 * A straightforward classic-BPF interpreter with libpcap's userland
 * semantics (bpf_filter.c, `pcap_filter`). It is the reference the
 * generated code (bpf_codegen.ts) is tested against; it is not tuned.
 *
 * Semantics reproduced:
 * - packet = `buf[off .. off + capLen)` (the captured bytes); a load that
 *   does not fit in it makes the program return 0 (reject);
 * - `len` (BPF_LEN) is the original wire length;
 * - multi-byte loads are big-endian; A and X are unsigned 32-bit;
 * - division or modulo by X = 0 returns 0; shifts by X ≥ 32 give 0;
 * - `ja` may jump backwards (libpcap's `protochain`); libpcap 1.10 sets no
 *   limit, we stop (return 0) after {@link maxBackwardJumps} backward jumps,
 *   a bound no program from `pcap_compile` can reach (each `protochain`
 *   iteration consumes at least 8 packet bytes).
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
  BPF_MEMWORDS,
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
} from "./bpf_program.ts";

/** Backward jumps allowed per packet before giving up (returning 0). */
export function maxBackwardJumps(capLen: number): number {
  return capLen + 256;
}

const mem = new Uint32Array(BPF_MEMWORDS);

/**
 * Runs `prog` over the packet `buf[off .. off + capLen)` whose original
 * length was `wireLen`. Returns the program's return value (u32): 0 means
 * reject, anything else accept (tcpdump reads it as a snapshot length).
 * Returns 0 too for anything libpcap's interpreter would refuse at run time
 * (unknown opcode, running off the end, jump out of range).
 */
export function runBpf(
  prog: BpfProgram,
  buf: Uint8Array,
  off: number,
  capLen: number,
  wireLen: number,
): number {
  const code = prog.code;
  const jt = prog.jt;
  const jf = prog.jf;
  const ks = prog.k;
  const n = prog.length;
  if (capLen > buf.length - off) capLen = Math.max(0, buf.length - off);
  const len = wireLen >>> 0;
  let a = 0;
  let x = 0;
  let backward = 0;
  const backwardLimit = maxBackwardJumps(capLen);
  mem.fill(0);
  let pc = 0;
  while (pc < n) {
    const c = code[pc];
    const k = ks[pc];
    switch (c) {
      case BPF_RET | BPF_K:
        return k;
      case BPF_RET | BPF_A:
        return a;

      case BPF_LD | BPF_W | BPF_ABS:
        if (k + 4 > capLen) return 0;
        a = be32(buf, off + k);
        break;
      case BPF_LD | BPF_H | BPF_ABS:
        if (k + 2 > capLen) return 0;
        a = (buf[off + k] << 8) | buf[off + k + 1];
        break;
      case BPF_LD | BPF_B | BPF_ABS:
        if (k >= capLen) return 0;
        a = buf[off + k];
        break;
      case BPF_LD | BPF_W | BPF_LEN:
        a = len;
        break;
      case BPF_LDX | BPF_W | BPF_LEN:
        x = len;
        break;
      case BPF_LD | BPF_W | BPF_IND: {
        const p = x + k; // exact: both < 2^32, no wrap-around
        if (p + 4 > capLen) return 0;
        a = be32(buf, off + p);
        break;
      }
      case BPF_LD | BPF_H | BPF_IND: {
        const p = x + k;
        if (p + 2 > capLen) return 0;
        a = (buf[off + p] << 8) | buf[off + p + 1];
        break;
      }
      case BPF_LD | BPF_B | BPF_IND: {
        const p = x + k;
        if (p >= capLen) return 0;
        a = buf[off + p];
        break;
      }
      case BPF_LDX | BPF_MSH | BPF_B:
        if (k >= capLen) return 0;
        x = (buf[off + k] & 0xf) << 2;
        break;
      case BPF_LD | BPF_IMM:
        a = k;
        break;
      case BPF_LDX | BPF_IMM:
        x = k;
        break;
      case BPF_LD | BPF_MEM:
        if (k >= BPF_MEMWORDS) return 0;
        a = mem[k];
        break;
      case BPF_LDX | BPF_MEM:
        if (k >= BPF_MEMWORDS) return 0;
        x = mem[k];
        break;
      case BPF_ST:
        if (k >= BPF_MEMWORDS) return 0;
        mem[k] = a;
        break;
      case BPF_STX:
        if (k >= BPF_MEMWORDS) return 0;
        mem[k] = x;
        break;

      case BPF_JMP | BPF_JA: {
        const rel = k | 0;
        const target = pc + 1 + rel;
        if (target < 0 || target >= n) return 0;
        if (rel < 0 && (rel === -1 || ++backward > backwardLimit)) return 0;
        pc = target;
        continue;
      }
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += 1 + (a > k ? jt[pc] : jf[pc]);
        continue;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += 1 + (a >= k ? jt[pc] : jf[pc]);
        continue;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += 1 + (a === k ? jt[pc] : jf[pc]);
        continue;
      case BPF_JMP | BPF_JSET | BPF_K:
        pc += 1 + ((a & k) !== 0 ? jt[pc] : jf[pc]);
        continue;
      case BPF_JMP | BPF_JGT | BPF_X:
        pc += 1 + (a > x ? jt[pc] : jf[pc]);
        continue;
      case BPF_JMP | BPF_JGE | BPF_X:
        pc += 1 + (a >= x ? jt[pc] : jf[pc]);
        continue;
      case BPF_JMP | BPF_JEQ | BPF_X:
        pc += 1 + (a === x ? jt[pc] : jf[pc]);
        continue;
      case BPF_JMP | BPF_JSET | BPF_X:
        pc += 1 + ((a & x) !== 0 ? jt[pc] : jf[pc]);
        continue;

      case BPF_ALU | BPF_ADD | BPF_X:
        a = (a + x) >>> 0;
        break;
      case BPF_ALU | BPF_SUB | BPF_X:
        a = (a - x) >>> 0;
        break;
      case BPF_ALU | BPF_MUL | BPF_X:
        a = Math.imul(a, x) >>> 0;
        break;
      case BPF_ALU | BPF_DIV | BPF_X:
        if (x === 0) return 0;
        a = Math.floor(a / x);
        break;
      case BPF_ALU | BPF_MOD | BPF_X:
        if (x === 0) return 0;
        a = a % x;
        break;
      case BPF_ALU | BPF_AND | BPF_X:
        a = (a & x) >>> 0;
        break;
      case BPF_ALU | BPF_OR | BPF_X:
        a = (a | x) >>> 0;
        break;
      case BPF_ALU | BPF_XOR | BPF_X:
        a = (a ^ x) >>> 0;
        break;
      case BPF_ALU | BPF_LSH | BPF_X:
        a = x < 32 ? (a << x) >>> 0 : 0;
        break;
      case BPF_ALU | BPF_RSH | BPF_X:
        a = x < 32 ? a >>> x : 0;
        break;
      case BPF_ALU | BPF_ADD | BPF_K:
        a = (a + k) >>> 0;
        break;
      case BPF_ALU | BPF_SUB | BPF_K:
        a = (a - k) >>> 0;
        break;
      case BPF_ALU | BPF_MUL | BPF_K:
        a = Math.imul(a, k) >>> 0;
        break;
      case BPF_ALU | BPF_DIV | BPF_K:
        if (k === 0) return 0;
        a = Math.floor(a / k);
        break;
      case BPF_ALU | BPF_MOD | BPF_K:
        if (k === 0) return 0;
        a = a % k;
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        a = (a & k) >>> 0;
        break;
      case BPF_ALU | BPF_OR | BPF_K:
        a = (a | k) >>> 0;
        break;
      case BPF_ALU | BPF_XOR | BPF_K:
        a = (a ^ k) >>> 0;
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
        a = k < 32 ? (a << k) >>> 0 : 0;
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        a = k < 32 ? a >>> k : 0;
        break;
      case BPF_ALU | BPF_NEG:
        a = (0 - a) >>> 0;
        break;

      case BPF_MISC | BPF_TAX:
        x = a;
        break;
      case BPF_MISC | BPF_TXA:
        a = x;
        break;

      default:
        return 0;
    }
    pc++;
  }
  return 0;
}

function be32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
