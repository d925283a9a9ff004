/**
 * Differential test of the flow table against tshark on every fixture.
 *
 * 1. Conversations: `tshark -n -q -z conv,tcp -z conv,udp` (with IPv4/IPv6
 *    reassembly off, see below) against NetScope's TCP and UDP flows after
 *    reading the whole file (timeout 0, no flow limit): the same set of
 *    conversations, and exactly the same frames and bytes sent by each
 *    endpoint. tshark prints byte counts of 10,000 and more rounded ("13 kB");
 *    for those cells the exact sum comes from `-z io,stat,0,SUM(frame.len)…`
 *    with a filter for that direction, whose COUNT(frame) must equal the
 *    conversation table's frame count (so both select the same frames).
 *    tshark does not split conversations by VLAN; NetScope does, so its flows
 *    are merged by 5-tuple before comparing.
 * 2. Community ID: tshark's `communityid` post-dissector (enabled with
 *    `--enable-protocol communityid`) per frame, against the Community ID
 *    NetScope computes for the same packet and, on a flow's first frame,
 *    against the flow's own Community ID.
 *
 * Reassembly: with `ip.defragment` on (tshark's default), tshark counts a
 * fragmented UDP datagram once, on the frame that completes it, with that
 * frame's length (ip4_fragments.pcap: 6 frames, 5,724 bytes for 9 datagrams
 * of 6 fragments, some duplicated); with it off, it counts the first fragment
 * of each (the one with the UDP header) and no other: 9 frames. NetScope
 * does the latter by design (non-initial fragments have no ports, so no flow
 * key; they are counted in `fragmentPackets`), so reassembly is off here.
 *
 * Differences that are right for a reason are in
 * tests/flow_differential_exceptions.ts; an exception that matches nothing
 * fails the test.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  CaptureFileReader,
  NEXT_FRAME,
  NEXT_NEED_DATA,
} from "../src/capture/capture_file_reader.ts";
import { Frame } from "../src/capture/frame.ts";
import { communityId } from "../src/flow/community_id.ts";
import { FlowTable } from "../src/flow/flow_table.ts";
import { IPPROTO_SCTP } from "../src/flow/flow_key.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { NET_IPV4, PacketRecord } from "../src/protocol/packet.ts";
import { formatIpv4, formatIpv6, haveTshark, tshark, tsharkFields } from "./_tshark.ts";
import {
  FLOW_DIFFERENTIAL_EXCEPTIONS,
  type FlowDifferentialException,
} from "./flow_differential_exceptions.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);

/** Fixtures tshark cannot read at all, with the reason. */
const TSHARK_REFUSES: Record<string, string> = {
  "pcap-invalid-version-1.pcap":
    "tshark refuses the file (pcap version 1.4: 'contains record data that TShark doesn't support')",
};

const REASSEMBLY_OFF = ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"];

const fixtureNames = [...Deno.readDirSync(FIXTURES)]
  .map((e) => e.name)
  .filter((n) => n.endsWith(".pcap") || n.endsWith(".pcapng"))
  .sort();

// ---------------------------------------------------------------------------
// tshark side

/** One direction of a conversation: frames and bytes sent by one endpoint. */
interface Side {
  frames: number;
  /** Exact byte count, or null when tshark printed it rounded. */
  bytes: number | null;
  /** The byte count as tshark printed it ("534 bytes", "13 kB"). */
  bytesText: string;
}

/** One conversation (both directions), keyed by its endpoints. */
interface Conversation {
  /** "tcp" or "udp". */
  proto: string;
  /** Sides keyed by the sending endpoint's "ip:port". */
  sides: Map<string, Side>;
}

/** "tcp 10.0.0.1:80 10.0.0.2:5000": protocol and the endpoints in sorted order. */
function conversationKey(proto: string, a: string, b: string): string {
  return a < b ? `${proto} ${a} ${b}` : `${proto} ${b} ${a}`;
}

/** Splits "ip:port" (IPv6 addresses contain colons; the port follows the last one). */
function splitEndpoint(ep: string): [string, number] {
  const i = ep.lastIndexOf(":");
  return [ep.slice(0, i), Number(ep.slice(i + 1))];
}

/**
 * Parses `-z conv,tcp -z conv,udp` output. A row reads
 * `A <-> B  rxFrames rxBytes unit  txFrames txBytes unit  total... start duration`,
 * where "->" (tx) counts frames A sent to B and "<-" (rx) frames B sent to A
 * (Wireshark's conversation_table.c: tx when the frame's source is the
 * conversation's src_address/src_port, which is A). Rows with the same
 * endpoints (tshark splits a TCP/UDP stream it sees restarted) are summed.
 */
export function parseConversations(text: string): Map<string, Conversation> {
  const out = new Map<string, Conversation>();
  let proto = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("TCP Conversations")) proto = "tcp";
    else if (line.startsWith("UDP Conversations")) proto = "udp";
    const t = line.trim().split(/\s+/);
    if (t[1] !== "<->" || t.length < 12) continue;
    const a = t[0]!, b = t[2]!;
    const sideOf = (frames: string, n: string, unit: string): Side => ({
      frames: Number(frames),
      bytes: unit === "bytes" ? Number(n) : null,
      bytesText: `${n} ${unit}`,
    });
    const fromB = sideOf(t[3]!, t[4]!, t[5]!);
    const fromA = sideOf(t[6]!, t[7]!, t[8]!);
    const key = conversationKey(proto, a, b);
    let conv = out.get(key);
    if (conv === undefined) {
      conv = { proto, sides: new Map() };
      out.set(key, conv);
    }
    for (const [ep, side] of [[a, fromA], [b, fromB]] as const) {
      const prev = conv.sides.get(ep);
      if (prev === undefined) conv.sides.set(ep, side);
      else {
        prev.frames += side.frames;
        prev.bytes = prev.bytes !== null && side.bytes !== null ? prev.bytes + side.bytes : null;
        prev.bytesText += " + " + side.bytesText;
      }
    }
  }
  return out;
}

/** tshark's rounding of a byte count (wsutil format_size, SI prefixes, integer division). */
export function tsharkSizeText(n: number): string {
  if (n >= 10_000_000_000) return `${Math.floor(n / 1e9)} GB`;
  if (n >= 10_000_000) return `${Math.floor(n / 1e6)} MB`;
  if (n >= 10_000) return `${Math.floor(n / 1e3)} kB`;
  return `${n} bytes`;
}

/**
 * Exact frames and bytes sent from `from` to `to` over `proto`, from one
 * `-z io,stat,0` run with a COUNT(frame) and a SUM(frame.len) column per
 * direction asked for.
 */
async function exactDirections(
  path: string,
  cells: { proto: string; from: string; to: string }[],
): Promise<{ frames: number; bytes: number }[]> {
  if (cells.length === 0) return [];
  const args = ["-n", ...REASSEMBLY_OFF, "-r", path, "-q"];
  const cols: string[] = [];
  for (const c of cells) {
    const [fa, fp] = splitEndpoint(c.from);
    const [ta, tp] = splitEndpoint(c.to);
    const ip = fa.includes(":") ? "ipv6" : "ip";
    const filter = `${ip}.src==${fa} && ${ip}.dst==${ta} && ` +
      `${c.proto}.srcport==${fp} && ${c.proto}.dstport==${tp}`;
    cols.push(`COUNT(frame)frame && ${filter}`, `SUM(frame.len)frame.len && ${filter}`);
  }
  args.push("-z", "io,stat,0," + cols.join(","));
  // A non-zero exit is tolerated (a file cut mid-record exits 2).
  const text = (await tshark(args)).stdout;
  const row = text.split("\n").find((l) => l.includes("<>"));
  assert.ok(row !== undefined, `io,stat printed no interval row for ${path}`);
  const nums = row.split("|").slice(2).map((x) => x.trim()).filter((x) => x !== "")
    .map(Number);
  assert.equal(nums.length, cells.length * 2, `io,stat columns for ${path}: ${row}`);
  return cells.map((_, i) => ({ frames: nums[2 * i]!, bytes: nums[2 * i + 1]! }));
}

/** tshark's Community ID per frame number ("" when it has none). */
async function tsharkCommunityIds(path: string): Promise<Map<number, string>> {
  const { rows } = await tsharkFields(path, ["frame.number", "communityid"], {
    extraArgs: ["-n", ...REASSEMBLY_OFF, "--enable-protocol", "communityid"],
  });
  const out = new Map<number, string>();
  for (const [n, id] of rows) out.set(Number(n!.join(",")), id!.join(","));
  return out;
}

// ---------------------------------------------------------------------------
// NetScope side

/** What NetScope did with one frame. */
interface OurFrame {
  number: number;
  slot: number;
  dir: number;
  wireLen: number;
  /** Community ID of this packet alone (null without a flow). */
  packetCid: string | null;
}

interface OurRun {
  table: FlowTable;
  frames: OurFrame[];
  /** Frame number of each slot's first packet. */
  firstFrame: Map<number, number>;
}

/** The Community ID of one decoded packet, as the spec defines it per packet. */
function packetCommunityId(rec: PacketRecord): string {
  const len = rec.net === NET_IPV4 ? 4 : 16;
  const src = rec.buf.slice(rec.srcAddrOff, rec.srcAddrOff + len);
  const dst = rec.buf.slice(rec.dstAddrOff, rec.dstAddrOff + len);
  const p = rec.ipProto;
  let sp = 0, dp = 0;
  if (p === 6 || p === 17) {
    sp = rec.srcPort;
    dp = rec.dstPort;
  } else if (p === 1 || p === 58) {
    sp = rec.icmpType;
    dp = rec.icmpCode;
  } else if (p === IPPROTO_SCTP && rec.l4CapLen >= 4) {
    const b = rec.buf, o = rec.l4Off;
    sp = (b[o]! << 8) | b[o + 1]!;
    dp = (b[o + 2]! << 8) | b[o + 3]!;
  }
  return communityId({ proto: p, src, dst, srcPort: sp, dstPort: dp });
}

async function runNetscope(path: string): Promise<OurRun> {
  const table = new FlowTable({ timeoutSecs: 0, maxFlows: 0, initialCapacity: 16 });
  const frames: OurFrame[] = [];
  const firstFrame = new Map<number, number>();
  const reader = await CaptureFileReader.open(path);
  const f = new Frame();
  const rec = new PacketRecord();
  let base = -1;
  try {
    for (;;) {
      const st = reader.next(f);
      if (st === NEXT_FRAME) {
        decodeFrame(f, rec);
        if (base < 0) base = f.tsSec;
        const slot = table.observe(rec, f.tsSec - base + f.tsNsec / 1e9);
        if (table.lastIsNew) firstFrame.set(slot, f.number);
        frames.push({
          number: f.number,
          slot,
          dir: table.lastDir,
          wireLen: f.wireLen,
          packetCid: slot >= 0 ? packetCommunityId(rec) : null,
        });
      } else if (st === NEXT_NEED_DATA) await reader.fill();
      else break;
    }
  } finally {
    reader.close();
  }
  return { table, frames, firstFrame };
}

/** "ip:port" of endpoint `which` (0 = A, 1 = B) of a flow, printed as tshark prints it. */
function endpointText(table: FlowTable, slot: number, which: number): string {
  const b = new Uint8Array(16);
  const n = table.addressBytes(slot, which, b);
  const ip = n === 4 ? formatIpv4(b, 0) : formatIpv6(b, 0);
  return `${ip}:${which === 0 ? table.portA(slot) : table.portB(slot)}`;
}

interface OurSide {
  frames: number;
  bytes: number;
}

/**
 * NetScope's TCP/UDP flows as conversations: keyed like tshark's, flows that
 * differ only by VLAN merged, minus the frames an exception says tshark does
 * not count. Returns the conversations and how many VLAN merges happened.
 */
function ourConversations(
  run: OurRun,
  uncounted: ReadonlySet<number>,
): { convs: Map<string, Map<string, OurSide>>; merged: number } {
  const { table } = run;
  const convs = new Map<string, Map<string, OurSide>>();
  const slotKey = new Map<number, [string, string, string]>();
  let merged = 0;
  table.forEachFlow((s) => {
    const p = table.proto(s);
    if (p !== 6 && p !== 17) return;
    const proto = p === 6 ? "tcp" : "udp";
    const a = endpointText(table, s, 0), b = endpointText(table, s, 1);
    const key = conversationKey(proto, a, b);
    slotKey.set(s, [key, a, b]);
    let sides = convs.get(key);
    if (sides === undefined) {
      sides = new Map();
      convs.set(key, sides);
    } else merged++;
    for (const [ep, dir] of [[a, 0], [b, 1]] as const) {
      const side = sides.get(ep) ?? { frames: 0, bytes: 0 };
      side.frames += table.packets(s, dir);
      side.bytes += table.bytes(s, dir);
      sides.set(ep, side);
    }
  });
  for (const fr of run.frames) {
    if (!uncounted.has(fr.number)) continue;
    const k = slotKey.get(fr.slot);
    assert.ok(k !== undefined, `uncounted frame ${fr.number} is not in a TCP/UDP flow`);
    const side = convs.get(k[0])!.get(fr.dir === 0 ? k[1] : k[2])!;
    side.frames--;
    side.bytes -= fr.wireLen;
  }
  return { convs, merged };
}

// ---------------------------------------------------------------------------
// The tests

Deno.test("flow differential exceptions name existing fixtures and carry a reason", () => {
  for (const e of FLOW_DIFFERENTIAL_EXCEPTIONS) {
    assert.ok(fixtureNames.includes(e.file), `exception names a missing fixture: ${e.file}`);
    assert.ok(e.reason.length >= 40, `exception for ${e.file} needs a real reason`);
  }
});

Deno.test("parseConversations() reads tshark rows, IPv6 endpoints and rounded sizes", () => {
  const text = [
    "TCP Conversations",
    "2001:db8:1::1:80           <-> 2001:db8:1::2:36951              5 425 bytes       " +
    "6 13 kB          11 14 kB         0.012503000         0.0610",
    "UDP Conversations",
    "10.0.0.1:5353              <-> 224.0.0.251:5353                 0 0 bytes        " +
    "14 3038 bytes      14 3038 bytes  1217.388307000        60.2298",
  ].join("\n");
  const c = parseConversations(text);
  const tcp = c.get("tcp 2001:db8:1::1:80 2001:db8:1::2:36951")!;
  assert.deepEqual(tcp.sides.get("2001:db8:1::1:80"), {
    frames: 6,
    bytes: null,
    bytesText: "13 kB",
  });
  assert.deepEqual(tcp.sides.get("2001:db8:1::2:36951"), {
    frames: 5,
    bytes: 425,
    bytesText: "425 bytes",
  });
  const udp = c.get("udp 10.0.0.1:5353 224.0.0.251:5353")!;
  assert.equal(udp.sides.get("10.0.0.1:5353")!.bytes, 3038);
  assert.equal(udp.sides.get("224.0.0.251:5353")!.frames, 0);
  assert.equal(tsharkSizeText(9999), "9999 bytes");
  assert.equal(tsharkSizeText(10_000), "10 kB");
  assert.equal(tsharkSizeText(436_971), "436 kB");
});

const tsharkPresent = await haveTshark();

/** Rounded byte cells checked exactly through io,stat, over all fixtures. */
let exactCells = 0;

for (const file of fixtureNames) {
  const refused = TSHARK_REFUSES[file];
  Deno.test({
    name: `flow table matches tshark conversations and Community IDs: ${file}`,
    ignore: refused !== undefined,
    fn: async () => {
      assert.ok(tsharkPresent, "tshark is required (CI installs it)");
      const path = new URL(file, FIXTURES).pathname;
      const mine = FLOW_DIFFERENTIAL_EXCEPTIONS.filter((e) => e.file === file);
      const [convText, cids, run] = await Promise.all([
        tshark(["-n", ...REASSEMBLY_OFF, "-r", path, "-q", "-z", "conv,tcp", "-z", "conv,udp"])
          .then((r) => r.stdout),
        tsharkCommunityIds(path),
        runNetscope(path),
      ]);
      const problems: string[] = [];
      checkConversations(file, path, convText, run, mine, problems);
      await checkExactBytes(path, convText, run, mine, problems);
      checkCommunityIds(file, cids, run, mine, problems);
      assert.deepEqual(problems, [], `${file}:\n  ${problems.join("\n  ")}`);
    },
  });
}

function uncountedOf(mine: readonly FlowDifferentialException[]): Set<number> {
  const s = new Set<number>();
  for (const e of mine) if (e.kind === "uncounted_frames") { for (const n of e.frames) s.add(n); }
  return s;
}

function checkConversations(
  file: string,
  _path: string,
  convText: string,
  run: OurRun,
  mine: readonly FlowDifferentialException[],
  problems: string[],
): void {
  const theirs = parseConversations(convText);
  const { convs: ours } = ourConversations(run, uncountedOf(mine));
  const tsharkOnly = new Set<string>();
  for (const e of mine) {
    if (e.kind === "tshark_only_flows") { for (const f of e.flows) tsharkOnly.add(f); }
  }
  const seenOnly = new Set<string>();
  for (const [key, conv] of theirs) {
    const sides = ours.get(key);
    if (sides === undefined) {
      if (tsharkOnly.has(key)) seenOnly.add(key);
      else problems.push(`only tshark has ${key}`);
      continue;
    }
    for (const [ep, side] of conv.sides) {
      const o = sides.get(ep) ?? { frames: 0, bytes: 0 };
      if (o.frames !== side.frames) {
        problems.push(`${key}: frames from ${ep}: NetScope ${o.frames}, tshark ${side.frames}`);
      }
      if (side.bytes !== null && o.bytes !== side.bytes) {
        problems.push(`${key}: bytes from ${ep}: NetScope ${o.bytes}, tshark ${side.bytes}`);
      }
      if (side.bytes === null && tsharkSizeText(o.bytes) !== side.bytesText) {
        problems.push(
          `${key}: bytes from ${ep}: NetScope ${o.bytes} prints as ` +
            `"${tsharkSizeText(o.bytes)}", tshark printed "${side.bytesText}"`,
        );
      }
    }
  }
  for (const key of ours.keys()) {
    if (!theirs.has(key)) problems.push(`only NetScope has ${key}`);
  }
  for (const key of tsharkOnly) {
    if (!seenOnly.has(key)) problems.push(`stale exception: ${key} is not tshark-only in ${file}`);
  }
}

/** Byte counts tshark printed rounded: compare NetScope's with io,stat's exact sums. */
async function checkExactBytes(
  path: string,
  convText: string,
  run: OurRun,
  mine: readonly FlowDifferentialException[],
  problems: string[],
): Promise<void> {
  const theirs = parseConversations(convText);
  const { convs: ours } = ourConversations(run, uncountedOf(mine));
  const cells: { proto: string; from: string; to: string; key: string; frames: number }[] = [];
  for (const [key, conv] of theirs) {
    const eps = [...conv.sides.keys()];
    for (const [ep, side] of conv.sides) {
      if (side.bytes !== null || side.bytesText.includes("+")) continue;
      const to = eps.find((x) => x !== ep) ?? ep;
      cells.push({ proto: conv.proto, from: ep, to, key, frames: side.frames });
    }
  }
  const exact = await exactDirections(path, cells);
  exactCells += cells.length;
  cells.forEach((c, i) => {
    const x = exact[i]!;
    if (x.frames !== c.frames) {
      problems.push(
        `${c.key}: io,stat selects ${x.frames} frames from ${c.from}, conv counted ${c.frames}`,
      );
      return;
    }
    const o = ours.get(c.key)?.get(c.from);
    if (o === undefined) return; // reported by checkConversations
    if (o.bytes !== x.bytes) {
      problems.push(`${c.key}: bytes from ${c.from}: NetScope ${o.bytes}, tshark ${x.bytes}`);
    }
  });
}

function checkCommunityIds(
  file: string,
  cids: Map<number, string>,
  run: OurRun,
  mine: readonly FlowDifferentialException[],
  problems: string[],
): void {
  const excepted = mine.filter((e) => e.kind === "community_id");
  const explains = (n: number) =>
    excepted.findIndex((e) => e.frames === "all" || e.frames.includes(n));
  const used = new Set<number>();
  const flowCid = new Map<number, string>();
  for (const fr of run.frames) {
    if (fr.slot < 0) continue;
    const theirs = cids.get(fr.number) ?? "";
    const diffs: string[] = [];
    if (fr.packetCid !== theirs) diffs.push(`packet ${fr.packetCid}`);
    if (run.firstFrame.get(fr.slot) === fr.number) {
      let cid = flowCid.get(fr.slot);
      if (cid === undefined) {
        cid = run.table.communityId(fr.slot);
        flowCid.set(fr.slot, cid);
      }
      if (cid !== theirs) diffs.push(`flow ${cid}`);
    }
    if (diffs.length === 0) continue;
    const e = explains(fr.number);
    if (e >= 0) used.add(e);
    else problems.push(`frame ${fr.number}: Community ID ${diffs.join(", ")}, tshark ${theirs}`);
  }
  excepted.forEach((e, i) => {
    if (!used.has(i)) problems.push(`stale Community ID exception in ${file}: ${e.reason}`);
  });
}

Deno.test({
  name: "rounded byte counts were checked exactly through io,stat",
  ignore: !fixtureNames.includes("sll.pcap"),
  fn: () => {
    // sll.pcap alone has a 436 kB direction; the fixtures hold a few dozen such cells.
    assert.ok(exactCells >= 10, `only ${exactCells} rounded cells were checked exactly`);
  },
});
