/**
 * TEST-ONLY: hand-built BPF programs with their expected results, shared by
 * the interpreter and code generator tests, plus a seeded PRNG. Expected
 * values follow libpcap's bpf_filter.c; `libpcap: true` cases are also
 * checked against libpcap's own `bpf_filter` through FFI.
 *
 * @module
 */

import type { BpfInsn } from "./bpf_program.ts";
import { walkCapture } from "./_test_pcap_walk.ts";

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);

/** One case: run `insns` over `packet[off .. off + capLen)` with `wireLen`. */
export interface BpfCase {
  name: string;
  insns: BpfInsn[];
  packet: number[];
  /** Bytes present; default packet.length - off. */
  capLen?: number;
  wireLen?: number;
  /** Offset of the packet in the buffer; default 0. */
  off?: number;
  expected: number;
  /** Also valid for libpcap 1.10's bpf_filter (no infinite loop, no unset memory). */
  libpcap: boolean;
}

// Opcodes spelled out (pcap/bpf.h) to keep the table readable.
const LD_W_ABS = 0x20, LD_H_ABS = 0x28, LD_B_ABS = 0x30;
const LD_W_IND = 0x40, LD_H_IND = 0x48, LD_B_IND = 0x50;
const LD_LEN = 0x80, LDX_LEN = 0x81, LDX_MSH = 0xb1;
const LD_IMM = 0x00, LDX_IMM = 0x01, LD_MEM = 0x60, LDX_MEM = 0x61, ST = 0x02, STX = 0x03;
const ADD_K = 0x04, SUB_K = 0x14, MUL_K = 0x24, DIV_K = 0x34, OR_K = 0x44, AND_K = 0x54;
const LSH_K = 0x64, RSH_K = 0x74, NEG = 0x84, MOD_K = 0x94, XOR_K = 0xa4;
const ADD_X = 0x0c, SUB_X = 0x1c, MUL_X = 0x2c, DIV_X = 0x3c, OR_X = 0x4c, AND_X = 0x5c;
const LSH_X = 0x6c, RSH_X = 0x7c, MOD_X = 0x9c, XOR_X = 0xac;
const JA = 0x05, JEQ_K = 0x15, JGT_K = 0x25, JGE_K = 0x35, JSET_K = 0x45;
const JEQ_X = 0x1d, JGT_X = 0x2d, JGE_X = 0x3d, JSET_X = 0x4d;
const RET_K = 0x06, RET_A = 0x16, TAX = 0x07, TXA = 0x87;

const PKT = [0x45, 0x00, 0x01, 0x02, 0x83, 0x84, 0x85, 0x86];
const retA: BpfInsn = [RET_A, 0, 0, 0];
/** `a = imm; <op>; ret a`. */
const alu = (a: number, op: BpfInsn, x?: number): BpfInsn[] =>
  x === undefined
    ? [[LD_IMM, 0, 0, a], op, retA]
    : [[LDX_IMM, 0, 0, x], [LD_IMM, 0, 0, a], op, retA];
/** Returns 1 if the jump `j` (jt 0, jf 1) is taken with a = `a` (x = `x`), else 2. */
const jump = (a: number, j: BpfInsn, x = 0): BpfInsn[] => [
  [LDX_IMM, 0, 0, x],
  [LD_IMM, 0, 0, a],
  j,
  [RET_K, 0, 0, 1],
  [RET_K, 0, 0, 2],
];

export const BPF_CASES: BpfCase[] = [
  // Loads and their bounds: k + size > capLen rejects.
  {
    name: "ld [4] fits",
    insns: [[LD_W_ABS, 0, 0, 4], retA],
    packet: PKT,
    expected: 0x83848586,
    libpcap: true,
  },
  {
    name: "ld [4] one byte short",
    insns: [[LD_W_ABS, 0, 0, 4], retA],
    packet: PKT,
    capLen: 7,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ldh [6] fits",
    insns: [[LD_H_ABS, 0, 0, 6], retA],
    packet: PKT,
    expected: 0x8586,
    libpcap: true,
  },
  {
    name: "ldh [6] short",
    insns: [[LD_H_ABS, 0, 0, 6], retA],
    packet: PKT,
    capLen: 7,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ldb [7] fits",
    insns: [[LD_B_ABS, 0, 0, 7], retA],
    packet: PKT,
    expected: 0x86,
    libpcap: true,
  },
  {
    name: "ldb [7] short",
    insns: [[LD_B_ABS, 0, 0, 7], retA],
    packet: PKT,
    capLen: 7,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ld [0xffffffff] far out",
    insns: [[LD_W_ABS, 0, 0, 0xffffffff], retA],
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ldb [0] on empty packet",
    insns: [[LD_B_ABS, 0, 0, 0], retA],
    packet: [],
    expected: 0,
    libpcap: true,
  },
  {
    name: "bytes after capLen in the buffer are not read",
    insns: [[LD_B_ABS, 0, 0, 4], retA],
    packet: [9, 9, 9, 1, 2, 3, 4, 5, 6, 7],
    off: 3,
    capLen: 4,
    expected: 0,
    libpcap: true,
  },
  {
    name: "loads are relative to the offset",
    insns: [[LD_H_ABS, 0, 0, 0], retA],
    packet: [9, 9, 9, 0x12, 0x34],
    off: 3,
    expected: 0x1234,
    libpcap: true,
  },
  {
    name: "ld [x + 2] fits",
    insns: [[LDX_IMM, 0, 0, 2], [LD_W_IND, 0, 0, 2], retA],
    packet: PKT,
    expected: 0x83848586,
    libpcap: true,
  },
  {
    name: "ld [x + 2] short",
    insns: [[LDX_IMM, 0, 0, 2], [LD_W_IND, 0, 0, 2], retA],
    packet: PKT,
    capLen: 7,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ldh [x + 3] fits",
    insns: [[LDX_IMM, 0, 0, 3], [LD_H_IND, 0, 0, 3], retA],
    packet: PKT,
    expected: 0x8586,
    libpcap: true,
  },
  {
    name: "ldh [x + 3] short",
    insns: [[LDX_IMM, 0, 0, 3], [LD_H_IND, 0, 0, 3], retA],
    packet: PKT,
    capLen: 7,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ldb [x + 1] fits",
    insns: [[LDX_IMM, 0, 0, 6], [LD_B_IND, 0, 0, 1], retA],
    packet: PKT,
    expected: 0x86,
    libpcap: true,
  },
  {
    name: "ldb [x + 1] with x = 0xffffffff does not wrap to 0",
    insns: [[LDX_IMM, 0, 0, 0xffffffff], [LD_B_IND, 0, 0, 1], retA],
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ldh [x + k] with k = 0xffffffff does not wrap",
    insns: [[LDX_IMM, 0, 0, 2], [LD_H_IND, 0, 0, 0xffffffff], retA],
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ldxb 4*([0]&0xf)",
    insns: [[LDX_MSH, 0, 0, 0], [TXA, 0, 0, 0], retA],
    packet: PKT,
    expected: 20,
    libpcap: true,
  },
  {
    name: "ldxb 4*([8]&0xf) short",
    insns: [[LDX_MSH, 0, 0, 8], [RET_K, 0, 0, 1]],
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ld #pktlen is the wire length",
    insns: [[LD_LEN, 0, 0, 0], retA],
    packet: PKT,
    capLen: 4,
    wireLen: 1500,
    expected: 1500,
    libpcap: true,
  },
  {
    name: "ldx #pktlen",
    insns: [[LDX_LEN, 0, 0, 0], [TXA, 0, 0, 0], retA],
    packet: PKT,
    wireLen: 60,
    expected: 60,
    libpcap: true,
  },
  {
    name: "ld #imm / tax / txa",
    insns: [[LD_IMM, 0, 0, 7], [TAX, 0, 0, 0], [LD_IMM, 0, 0, 1], [TXA, 0, 0, 0], retA],
    packet: PKT,
    expected: 7,
    libpcap: true,
  },
  {
    name: "scratch memory",
    insns: [
      [LD_IMM, 0, 0, 11],
      [ST, 0, 0, 3],
      [LDX_IMM, 0, 0, 22],
      [STX, 0, 0, 15],
      [LD_MEM, 0, 0, 15],
      [LDX_MEM, 0, 0, 3],
      [ADD_X, 0, 0, 0],
      retA,
    ],
    packet: PKT,
    expected: 33,
    libpcap: true,
  },
  {
    name: "unset scratch memory reads 0",
    insns: [[LD_MEM, 0, 0, 5], [ADD_K, 0, 0, 1], retA],
    packet: PKT,
    expected: 1,
    libpcap: false,
  },

  // Unsigned 32-bit arithmetic.
  {
    name: "add wraps",
    insns: alu(0xffffffff, [ADD_K, 0, 0, 2]),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "sub wraps",
    insns: alu(1, [SUB_K, 0, 0, 2]),
    packet: PKT,
    expected: 0xffffffff,
    libpcap: true,
  },
  {
    name: "mul wraps",
    insns: alu(0x10001, [MUL_K, 0, 0, 0x10001]),
    packet: PKT,
    expected: 0x20001,
    libpcap: true,
  },
  {
    name: "mul of large values",
    insns: alu(0xffffffff, [MUL_K, 0, 0, 0xffffffff]),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "div unsigned",
    insns: alu(0xffffffff, [DIV_K, 0, 0, 3]),
    packet: PKT,
    expected: 0x55555555,
    libpcap: true,
  },
  {
    name: "div large / small",
    insns: alu(0xfffffffe, [DIV_K, 0, 0, 0xffffffff]),
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "div by 7",
    insns: alu(4294967295, [DIV_K, 0, 0, 7]),
    packet: PKT,
    expected: 613566756,
    libpcap: true,
  },
  { name: "mod", insns: alu(100, [MOD_K, 0, 0, 7]), packet: PKT, expected: 2, libpcap: true },
  {
    name: "mod unsigned",
    insns: alu(0x80000001, [MOD_K, 0, 0, 0x10]),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "and high bit",
    insns: alu(0x80000001, [AND_K, 0, 0, 0x80000000]),
    packet: PKT,
    expected: 0x80000000,
    libpcap: true,
  },
  {
    name: "or high bit",
    insns: alu(0x80000000, [OR_K, 0, 0, 1]),
    packet: PKT,
    expected: 0x80000001,
    libpcap: true,
  },
  {
    name: "xor all ones",
    insns: alu(0x80000001, [XOR_K, 0, 0, 0xffffffff]),
    packet: PKT,
    expected: 0x7ffffffe,
    libpcap: true,
  },
  {
    name: "lsh 31",
    insns: alu(3, [LSH_K, 0, 0, 31]),
    packet: PKT,
    expected: 0x80000000,
    libpcap: true,
  },
  {
    name: "rsh 31 is logical",
    insns: alu(0x80000000, [RSH_K, 0, 0, 31]),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "neg 1",
    insns: alu(1, [NEG, 0, 0, 0]),
    packet: PKT,
    expected: 0xffffffff,
    libpcap: true,
  },
  { name: "neg 0", insns: alu(0, [NEG, 0, 0, 0]), packet: PKT, expected: 0, libpcap: true },
  {
    name: "neg 0x80000000",
    insns: alu(0x80000000, [NEG, 0, 0, 0]),
    packet: PKT,
    expected: 0x80000000,
    libpcap: true,
  },
  {
    name: "add x",
    insns: alu(0xfffffff0, [ADD_X, 0, 0, 0], 0x20),
    packet: PKT,
    expected: 0x10,
    libpcap: true,
  },
  {
    name: "sub x",
    insns: alu(0x10, [SUB_X, 0, 0, 0], 0x20),
    packet: PKT,
    expected: 0xfffffff0,
    libpcap: true,
  },
  {
    name: "mul x",
    insns: alu(0xfffffffe, [MUL_X, 0, 0, 0], 3),
    packet: PKT,
    expected: 0xfffffffa,
    libpcap: true,
  },
  {
    name: "div x",
    insns: alu(0xffffffff, [DIV_X, 0, 0, 0], 0x10000),
    packet: PKT,
    expected: 0xffff,
    libpcap: true,
  },
  {
    name: "div by x = 0 rejects",
    insns: alu(5, [DIV_X, 0, 0, 0], 0),
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "mod x",
    insns: alu(0xffffffff, [MOD_X, 0, 0, 0], 10),
    packet: PKT,
    expected: 5,
    libpcap: true,
  },
  {
    name: "mod by x = 0 rejects",
    insns: alu(5, [MOD_X, 0, 0, 0], 0),
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "and x",
    insns: alu(0xf0f0f0f0, [AND_X, 0, 0, 0], 0xff00ff00),
    packet: PKT,
    expected: 0xf000f000,
    libpcap: true,
  },
  {
    name: "or x",
    insns: alu(0xf0000000, [OR_X, 0, 0, 0], 0x0f),
    packet: PKT,
    expected: 0xf000000f,
    libpcap: true,
  },
  {
    name: "xor x",
    insns: alu(0xffff0000, [XOR_X, 0, 0, 0], 0xffffffff),
    packet: PKT,
    expected: 0xffff,
    libpcap: true,
  },
  {
    name: "lsh x 4",
    insns: alu(0x1234567, [LSH_X, 0, 0, 0], 4),
    packet: PKT,
    expected: 0x12345670,
    libpcap: true,
  },
  {
    name: "lsh x 32 gives 0",
    insns: alu(5, [LSH_X, 0, 0, 0], 32),
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "rsh x 31",
    insns: alu(0xffffffff, [RSH_X, 0, 0, 0], 31),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "rsh x 33 gives 0",
    insns: alu(0x80000000, [RSH_X, 0, 0, 0], 33),
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "rsh x 0xffffffff gives 0",
    insns: alu(0x80000000, [RSH_X, 0, 0, 0], 0xffffffff),
    packet: PKT,
    expected: 0,
    libpcap: true,
  },

  // Jumps compare unsigned.
  {
    name: "jgt unsigned",
    insns: jump(0x80000000, [JGT_K, 0, 1, 0x7fffffff]),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "jgt equal is false",
    insns: jump(5, [JGT_K, 0, 1, 5]),
    packet: PKT,
    expected: 2,
    libpcap: true,
  },
  { name: "jge equal", insns: jump(5, [JGE_K, 0, 1, 5]), packet: PKT, expected: 1, libpcap: true },
  {
    name: "jge max",
    insns: jump(0xfffffffe, [JGE_K, 0, 1, 0xffffffff]),
    packet: PKT,
    expected: 2,
    libpcap: true,
  },
  {
    name: "jeq max",
    insns: jump(0xffffffff, [JEQ_K, 0, 1, 0xffffffff]),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "jset high bit",
    insns: jump(0x80000000, [JSET_K, 0, 1, 0x80000000]),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "jset no common bit",
    insns: jump(0x0f, [JSET_K, 0, 1, 0xf0]),
    packet: PKT,
    expected: 2,
    libpcap: true,
  },
  {
    name: "jgt x unsigned",
    insns: jump(1, [JGT_X, 0, 1, 0], 0xffffffff),
    packet: PKT,
    expected: 2,
    libpcap: true,
  },
  {
    name: "jge x",
    insns: jump(0xffffffff, [JGE_X, 0, 1, 0], 0xffffffff),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "jeq x",
    insns: jump(0x80000000, [JEQ_X, 0, 1, 0], 0x80000000),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "jset x",
    insns: jump(0x80000000, [JSET_X, 0, 1, 0], 0x80000001),
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "both branches jump over code",
    insns: [[LD_B_ABS, 0, 0, 0], [JEQ_K, 2, 3, 0x45], [RET_K, 0, 0, 9], [RET_K, 0, 0, 9], [
      RET_K,
      0,
      0,
      1,
    ], [RET_K, 0, 0, 2]],
    packet: PKT,
    expected: 1,
    libpcap: true,
  },
  {
    name: "equal branches",
    insns: [[LD_B_ABS, 0, 0, 0], [JEQ_K, 1, 1, 0x45], [RET_K, 0, 0, 9], [RET_K, 0, 0, 3]],
    packet: PKT,
    expected: 3,
    libpcap: true,
  },
  {
    name: "ja forward",
    insns: [[JA, 0, 0, 1], [RET_K, 0, 0, 9], [RET_K, 0, 0, 4]],
    packet: PKT,
    expected: 4,
    libpcap: true,
  },
  {
    name: "ja 0 is a no-op",
    insns: [[JA, 0, 0, 0], [RET_K, 0, 0, 4]],
    packet: PKT,
    expected: 4,
    libpcap: true,
  },
  {
    name: "ret a = 0 rejects",
    insns: [[LD_IMM, 0, 0, 0], retA],
    packet: PKT,
    expected: 0,
    libpcap: true,
  },
  {
    name: "ret k",
    insns: [[RET_K, 0, 0, 0xffffffff]],
    packet: PKT,
    expected: 0xffffffff,
    libpcap: true,
  },

  // Backward jumps (what `protochain` compiles to).
  {
    name: "backward ja loop counts to 5",
    insns: [
      [LD_MEM, 0, 0, 0], // 0: a = M[0]  (M[0] starts at 0)
      [ADD_K, 0, 0, 1], // 1
      [ST, 0, 0, 0], // 2
      [JEQ_K, 1, 0, 5], // 3: a == 5 -> 5
      [JA, 0, 0, 0xfffffffb], // 4: back to 0
      retA, // 5
    ],
    packet: PKT,
    expected: 5,
    libpcap: false,
  },
  {
    name: "endless backward loop gives up and rejects",
    insns: [[LD_IMM, 0, 0, 1], [JA, 0, 0, 0xfffffffe], retA],
    packet: PKT,
    expected: 0,
    libpcap: false,
  },
];

/** xorshift32: a small deterministic PRNG for fuzzing. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Expressions the fuzz tests compile (Ethernet). */
export const FUZZ_EXPRESSIONS = [
  "tcp port 80",
  "udp and (port 53 or port 123)",
  "tcp[tcpflags] & tcp-syn != 0 and not src net 10.0.0.0/8",
  "ip6 and tcp",
  "icmp or icmp6",
  "vlan and ip",
  "ip[6:2] & 0x1fff != 0",
  "net 192.168.0.0/16 and greater 100",
  "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
  "udp[4:2] % (ip[8] - 63) = 1 or ip[0] * ip[8] = 4416",
  "ip6 protochain 17",
];

/**
 * Packets for fuzzing: real frames from a few fixtures, each mutated at
 * random positions and cut at a random length, plus pure random bytes.
 */
export function fuzzPackets(seed: number, count: number): { data: Uint8Array; wireLen: number }[] {
  const rnd = xorshift32(seed);
  const sources: Uint8Array[] = [];
  for (
    const f of ["example.pcap", "DnsPackets.pcap", "VlanPackets.pcap", "ipv6_ext_headers.pcap"]
  ) {
    for (const r of walkCapture(Deno.readFileSync(new URL(f, FIXTURES)))!.records) {
      sources.push(r.data);
    }
  }
  const out: { data: Uint8Array; wireLen: number }[] = [];
  for (let i = 0; i < count; i++) {
    let data: Uint8Array;
    if (i % 8 === 7) {
      data = new Uint8Array(rnd() % 200);
      for (let j = 0; j < data.length; j++) data[j] = rnd() & 0xff;
    } else {
      const src = sources[rnd() % sources.length];
      data = src.slice(0, rnd() % (src.length + 1));
      const flips = rnd() % 4;
      for (let j = 0; j < flips && data.length > 0; j++) data[rnd() % data.length] = rnd() & 0xff;
    }
    out.push({ data, wireLen: data.length + (rnd() % 3 === 0 ? rnd() % 1500 : 0) });
  }
  return out;
}
