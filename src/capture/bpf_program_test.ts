import assert from "node:assert/strict";
import {
  BPF_ABS,
  BPF_B,
  BPF_JA,
  BPF_JEQ,
  BPF_JMP,
  BPF_K,
  BPF_LD,
  BPF_RET,
  bpfInstructions,
  bpfProgramFrom,
  compileBpfProgram,
  encodeBpfInstructions,
  FilterError,
  formatBpfProgram,
  hasBackwardJumps,
  linkTypeToDlt,
  usesKernelExtensions,
  validateBpfProgram,
} from "./bpf_program.ts";

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);

/** One fixture per link type (LINKTYPE in the comment). */
const BY_LINK_TYPE: [file: string, linkType: number][] = [
  ["example.pcap", 1],
  ["sll.pcap", 113],
  ["linux_dlt_sll2.pcap", 276],
  ["null_loopback.pcap", 0],
  ["raw_ip.pcap", 101],
  ["basic-auth-with-colon.pcap", 228],
];

const EXPRESSIONS = [
  "tcp port 80",
  "ip6 and udp",
  "icmp or arp",
  "tcp[tcpflags] & tcp-syn != 0",
  "net 10.0.0.0/8 and greater 100",
  "ip6 protochain 17",
  "vlan and icmp",
];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(args[0], {
    args: args.slice(1),
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const td = new TextDecoder();
  return { code: o.code, out: td.decode(o.stdout), err: td.decode(o.stderr) };
}

/** Snapshot length in a little-endian pcap file header (what tcpdump compiles with). */
function fileSnaplen(path: string): number {
  const b = Deno.readFileSync(path);
  return new DataView(b.buffer).getUint32(16, true);
}

Deno.test("compiled programs equal tcpdump -dd on every link type", async () => {
  let compared = 0;
  for (const [file, linkType] of BY_LINK_TYPE) {
    const path = new URL(file, FIXTURES).pathname;
    for (const expr of EXPRESSIONS) {
      const ref = await run(["tcpdump", "-r", path, "-dd", expr]);
      let got;
      try {
        got = compileBpfProgram(expr, linkType, fileSnaplen(path));
      } catch (e) {
        assert.ok(e instanceof FilterError);
        assert.notEqual(ref.code, 0, `${file} ${expr}: tcpdump compiles what we refuse`);
        continue;
      }
      assert.equal(ref.code, 0, `${file} ${expr}: tcpdump refuses: ${ref.err}`);
      const expected = [...ref.out.matchAll(/\{ (0x[0-9a-f]+), (\d+), (\d+), (0x[0-9a-f]+) \}/g)]
        .map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])]);
      assert.ok(expected.length > 0);
      assert.deepEqual(bpfInstructions(got), expected, `${file} ${expr}`);
      compared++;
    }
  }
  assert.ok(compared >= 30, `compared ${compared} programs`);
});

Deno.test("formatBpfProgram reads like tcpdump -d", async () => {
  const path = new URL("example.pcap", FIXTURES).pathname;
  const expr = "greater 100 and ip[2:2] - 4 > len and " +
    "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420 and ip[0] * ip[1] = 9 and ip[2] % 3 = 1";
  const ref = await run(["tcpdump", "-r", path, "-d", expr]);
  const norm = (s: string) =>
    s.trim().split("\n").map((l) => l.replace(/\s+/g, " ").trim()).join("\n");
  const prog = compileBpfProgram(expr, 1, fileSnaplen(path));
  assert.equal(norm(formatBpfProgram(prog)), norm(ref.out));
  const protochain = compileBpfProgram("ip6 protochain 17", 1, fileSnaplen(path));
  const refChain = await run(["tcpdump", "-r", path, "-d", "ip6 protochain 17"]);
  assert.equal(norm(formatBpfProgram(protochain)), norm(refChain.out));
});

Deno.test("compile errors are one line with libpcap's reason", () => {
  const cases: [string, number, string][] = [
    ["tcp prot 80", 1, 'Cannot compile filter "tcp prot 80": syntax error'],
    [
      "ether host 1:2:3:4:5:6",
      101,
      'Cannot compile filter "ether host 1:2:3:4:5:6": ethernet addresses supported only on ' +
      "ethernet/FDDI/token ring/802.11/ATM LANE/Fibre Channel",
    ],
    ["port 70000", 1, 'Cannot compile filter "port 70000": illegal port number 70000 > 65535'],
    ["tcp", 9999, 'Cannot compile filter "tcp": unknown data link type 9999'],
  ];
  for (const [expr, lt, message] of cases) {
    assert.throws(() => compileBpfProgram(expr, lt), (e: unknown) => {
      assert.ok(e instanceof FilterError);
      assert.ok(!e.message.includes("\n"));
      assert.equal(e.message.startsWith(message), true, e.message);
      return true;
    });
  }
});

Deno.test("ip broadcast uses tcpdump's file netmask (0) unless told otherwise", () => {
  const prog = compileBpfProgram("ip broadcast", 1);
  assert.match(formatBpfProgram(prog), /jeq #0xffffffff/);
  assert.throws(
    () => compileBpfProgram("ip broadcast", 1, undefined, { netmask: 0xffffffff }),
    /netmask not known, so 'ip broadcast' not supported/,
  );
});

Deno.test("snaplen sets the accept value; 0 means the default", () => {
  const ret = (p: ReturnType<typeof compileBpfProgram>) => p.k[p.length - 2];
  assert.equal(ret(compileBpfProgram("tcp", 1, 1500)), 1500);
  assert.equal(ret(compileBpfProgram("tcp", 1, 0)), 262144);
  assert.equal(ret(compileBpfProgram("tcp", 1)), 262144);
});

Deno.test("unoptimized compile gives a longer program with the same meaning", () => {
  const opt = compileBpfProgram("tcp port 80", 1);
  const raw = compileBpfProgram("tcp port 80", 1, undefined, { optimize: false });
  assert.ok(raw.length > opt.length);
  assert.equal(validateBpfProgram(raw), null);
});

Deno.test("link types map to libpcap's DLT values", () => {
  assert.equal(linkTypeToDlt(1, "linux"), 1);
  assert.equal(linkTypeToDlt(101, "linux"), 12);
  assert.equal(linkTypeToDlt(101, "openbsd"), 14);
  assert.equal(linkTypeToDlt(14, "linux"), 12);
  assert.equal(linkTypeToDlt(113, "linux"), 113);
  assert.equal(linkTypeToDlt(228, "linux"), 228);
  assert.equal(linkTypeToDlt(276, "linux"), 276);
  assert.equal(linkTypeToDlt(258, "darwin"), 149);
  assert.equal(linkTypeToDlt(258, "linux"), 258);
  // LINKTYPE 14 (OpenBSD raw IP in files) compiles as raw IP.
  assert.deepEqual(
    bpfInstructions(compileBpfProgram("udp", 14)),
    bpfInstructions(compileBpfProgram("udp", 101)),
  );
  // And so does a pcap_open_dead handle, through linkTypeToDlt.
  assert.deepEqual(
    bpfInstructions(compileBpfProgram("udp", 101, undefined, { handle: "dead" })),
    bpfInstructions(compileBpfProgram("udp", 101)),
  );
});

Deno.test("instructions round-trip through libpcap's struct layout", () => {
  const prog = compileBpfProgram("tcp port 80", 1);
  const raw = encodeBpfInstructions(prog);
  assert.equal(raw.length, prog.length * 8);
  const dv = new DataView(raw.buffer);
  // (000) ldh [12]: code 0x28, k 12, host (little-endian) order.
  assert.equal(dv.getUint16(0, true), 0x28);
  assert.equal(dv.getUint32(4, true), 12);
  assert.deepEqual(bpfInstructions(bpfProgramFrom(bpfInstructions(prog))), bpfInstructions(prog));
});

Deno.test("validateBpfProgram refuses what libpcap's bpf_validate refuses", () => {
  const RET0 = [BPF_RET | BPF_K, 0, 0, 0] as const;
  const ok = bpfProgramFrom([[BPF_LD | BPF_B | BPF_ABS, 0, 0, 0], [BPF_JMP | BPF_JEQ, 0, 1, 1], [
    BPF_RET | BPF_K,
    0,
    0,
    1,
  ], RET0]);
  assert.equal(validateBpfProgram(ok), null);
  const bad: [string, ReturnType<typeof bpfProgramFrom>][] = [
    ["empty program", bpfProgramFrom([])],
    ["invalid opcode", bpfProgramFrom([[0xff, 0, 0, 0], RET0])],
    ["scratch memory index 16", bpfProgramFrom([[0x02, 0, 0, 16], RET0])], // st M[16]
    ["division by zero", bpfProgramFrom([[0x34, 0, 0, 0], RET0])], // div #0
    ["division by zero", bpfProgramFrom([[0x94, 0, 0, 0], RET0])], // mod #0
    ["shift by 32", bpfProgramFrom([[0x64, 0, 0, 32], RET0])], // lsh #32
    ["jump target out of range", bpfProgramFrom([[BPF_JMP | BPF_JEQ, 0, 5, 1], RET0])],
    ["jump target out of range", bpfProgramFrom([[BPF_JMP | BPF_JA, 0, 0, 1], RET0])],
    ["jump target out of range", bpfProgramFrom([[BPF_JMP | BPF_JA, 0, 0, -5], RET0])],
    ["jump to itself", bpfProgramFrom([RET0, [BPF_JMP | BPF_JA, 0, 0, -1], RET0])],
    ["does not end in a return", bpfProgramFrom([[BPF_LD | BPF_B | BPF_ABS, 0, 0, 0]])],
  ];
  for (const [reason, prog] of bad) {
    const got = validateBpfProgram(prog);
    assert.ok(got !== null && got.includes(reason), `${reason}: got ${got}`);
  }
  // Backward ja (protochain) is valid.
  const loop = bpfProgramFrom([RET0, [BPF_JMP | BPF_JA, 0, 0, -2], RET0]);
  assert.equal(validateBpfProgram(loop), null);
  assert.equal(hasBackwardJumps(loop), true);
  assert.equal(hasBackwardJumps(ok), false);
});

Deno.test("usesKernelExtensions spots SKF_AD/SKF_NET/SKF_LL loads only", () => {
  const RET0 = [BPF_RET | BPF_K, 0, 0, 0] as const;
  const load = (k: number) => bpfProgramFrom([[BPF_LD | BPF_B | BPF_ABS, 0, 0, k], RET0]);
  assert.equal(usesKernelExtensions(load(0xfffff000 + 4)), true); // SKF_AD_OFF + SKF_AD_PKTTYPE
  assert.equal(usesKernelExtensions(load(0xfff00000)), true); // SKF_NET_OFF
  assert.equal(usesKernelExtensions(load(0xffe00000)), true); // SKF_LL_OFF
  assert.equal(usesKernelExtensions(load(0xffdfffff)), false);
  assert.equal(usesKernelExtensions(load(12)), false);
  // ld #imm with a large constant is not a load from the packet.
  assert.equal(usesKernelExtensions(bpfProgramFrom([[BPF_LD, 0, 0, 0xfffff004], RET0])), false);
  // What `vlan` compiles to on a pcap_open_dead handle here: ordinary loads.
  assert.equal(
    usesKernelExtensions(compileBpfProgram("vlan", 1, undefined, { handle: "dead" })),
    false,
  );
});

Deno.test("a missing libpcap is a FilterError with the install hint", async () => {
  const script = `
    import { compileBpfProgram } from ${
    JSON.stringify(new URL("./bpf_program.ts", import.meta.url).href)
  };
    try { compileBpfProgram("tcp", 1); console.log("compiled"); }
    catch (e) { console.log(e.name + ": " + e.message); }`;
  const missing = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", script],
    env: { NETSCOPE_LIBPCAP: "/nonexistent/libpcap.so.1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(missing.stdout).trim();
  assert.match(
    text,
    /^FilterError: Cannot compile filter "tcp": Cannot load libpcap: NETSCOPE_LIBPCAP=\/nonexistent\/libpcap.so.1 could not be opened \(.*\); install it with .*apt-get install libpcap0.8/,
  );
  assert.ok(!text.includes("\n"));
});

Deno.test("without --allow-ffi the FilterError says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netscope_ffi_" });
  try {
    const file = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      file,
      `import { compileBpfProgram } from ${
        JSON.stringify(new URL("./bpf_program.ts", import.meta.url).href)
      };
      try { compileBpfProgram("tcp", 1); console.log("compiled"); }
      catch (e) { console.log(e.name + ": " + e.message); }`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", "--allow-read", "--allow-env", file],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(
      new TextDecoder().decode(out.stdout).trim(),
      'FilterError: Cannot compile filter "tcp": Cannot load libpcap: FFI access is not allowed ' +
        "(run with --allow-ffi)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
