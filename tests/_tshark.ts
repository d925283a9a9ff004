/**
 * Test helpers: run tshark (the reference decoder) on a capture and parse
 * its `-T fields` output, and format NetScope's decoded values the way
 * tshark prints them (dotted IPv4, RFC 5952 IPv6, decimal numbers).
 *
 * Every test that runs tshark goes through this module:
 * - {@link tsharkFields}: `-T fields` output parsed into one row per frame,
 *   each field's occurrences split out; preferences, display filter and
 *   occurrence mode are given per call.
 * - {@link tshark}: a raw run for everything else (`-z` statistics, `--version`).
 * - {@link haveTshark}: whether the binary is there.
 * - {@link runTshark}: the decoder differential's fixed field set and preferences.
 *
 * @module
 */

/** The tshark fields read per frame, in column order. */
export const TSHARK_FIELDS = [
  "frame.number",
  "frame.len",
  "frame.cap_len",
  "frame.protocols",
  "vlan.id",
  "ieee8021ad.id",
  "ip.src",
  "ip.dst",
  "ipv6.src",
  "ipv6.dst",
  "ip.proto",
  "ip.len",
  "ip.ttl",
  "ip.id",
  "ip.flags",
  "ip.frag_offset",
  "ip.checksum.status",
  "ipv6.plen",
  "ipv6.hlim",
  "ipv6.flow",
  "ipv6.nxt",
  "ipv6.hopopts.nxt",
  "ipv6.routing.nxt",
  "ipv6.fraghdr.nxt",
  "ipv6.dstopts.nxt",
  "ah.next_header",
  "tcp.srcport",
  "tcp.dstport",
  "udp.srcport",
  "udp.dstport",
  "tcp.flags",
  "tcp.seq_raw",
  "tcp.ack_raw",
  "tcp.len",
  "tcp.hdr_len",
  "tcp.window_size_value",
  "tcp.options.mss_val",
  "tcp.options.wscale.shift",
  "tcp.options.sack_perm",
  "tcp.options.sack_le",
  "tcp.options.sack_re",
  "tcp.options.timestamp.tsval",
  "tcp.options.timestamp.tsecr",
  "udp.length",
  "icmp.type",
  "icmp.code",
  "icmpv6.type",
  "icmpv6.code",
  "mpls.label",
  "arp.opcode",
  "dns.qry.name",
  "tls.handshake.extensions_server_name",
] as const;

/** One tshark field name. */
export type TsharkField = typeof TSHARK_FIELDS[number];

/** One frame as tshark printed it: every field's occurrences, in order. */
export type TsharkFrame = Record<TsharkField, string[]>;

/** What one tshark run printed, and how it exited. */
export interface TsharkOutput {
  stdout: string;
  stderr: string;
  /** The exit code (tshark exits 2 on a file cut mid-record, after printing what it read). */
  code: number;
}

/** Options of {@link tshark} and {@link tsharkFields}. */
export interface TsharkOptions {
  /**
   * Throw when tshark exits non-zero (the error carries the exit code and
   * stderr). Off by default: most callers read captures cut short on purpose.
   */
  check?: boolean;
}

/**
 * Runs tshark with `args` exactly as given and returns its output, whatever
 * the exit code (unless `check`). Throws when there is no tshark binary.
 * For what `-T fields` cannot express: `-z` statistics (conversation tables,
 * io,stat), `--version`.
 */
export async function tshark(args: string[], opts: TsharkOptions = {}): Promise<TsharkOutput> {
  const out = await new Deno.Command("tshark", { args, stdout: "piped", stderr: "piped" })
    .output();
  const dec = new TextDecoder();
  const res = { stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), code: out.code };
  if (opts.check && res.code !== 0) {
    throw new Error(`tshark ${args.join(" ")}: exit code ${res.code}\n${res.stderr}`);
  }
  return res;
}

/** Options of {@link tsharkFields}. */
export interface TsharkFieldsOptions extends TsharkOptions {
  /**
   * Preferences, each passed as `-o name:value` in this order. No defaults:
   * every call site states (and comments) the ones its comparison needs.
   */
  prefs?: Record<string, string>;
  /** A display filter (`-Y`): only the frames it matches are printed. */
  filter?: string;
  /** Further arguments placed first, e.g. `-n` or `--enable-protocol communityid`. */
  extraArgs?: string[];
  /**
   * Which occurrences of a field tshark prints (`-E occurrence=`): `"a"` all
   * (the default), `"f"` the first, `"l"` the last, or a 1-based index.
   */
  occurrence?: "a" | "f" | "l" | number;
}

/**
 * One frame of `-T fields` output: per requested field, in order, the
 * occurrences tshark printed (`[]` when the frame has none). A field
 * repeats in tunnelled or quoted packets (outermost first) and for lists
 * (TLS cipher suites, DNS answers).
 */
export type TsharkRow = string[][];

/** Separates a field's occurrences; a byte no printed value holds. */
const AGGREGATOR = "\u0001";

/**
 * Runs `tshark -r path -T fields -e <fields...>` and returns one
 * {@link TsharkRow} per frame printed, in frame order, with the run's stderr
 * and exit code. The occurrences are split exactly (tshark joins them with an
 * aggregator byte no value contains); a caller comparing against tshark's
 * default `,`-joined text joins them back with `join(",")`.
 *
 * The command line is `[...extraArgs, -o prefs..., -r path, -Y filter,
 * -T fields, -E separator=/t, -E occurrence=…, -E aggregator=…, -E quote=n,
 * -e fields...]`. A non-zero exit is tolerated unless `check`.
 */
export async function tsharkFields(
  path: string,
  fields: readonly string[],
  opts: TsharkFieldsOptions = {},
): Promise<{ rows: TsharkRow[]; stderr: string; code: number }> {
  const args = [...(opts.extraArgs ?? [])];
  for (const [name, value] of Object.entries(opts.prefs ?? {})) args.push("-o", `${name}:${value}`);
  args.push("-r", path);
  if (opts.filter !== undefined) args.push("-Y", opts.filter);
  args.push("-T", "fields", "-E", "separator=/t", "-E", `occurrence=${opts.occurrence ?? "a"}`);
  args.push("-E", `aggregator=${AGGREGATOR}`, "-E", "quote=n");
  for (const f of fields) args.push("-e", f);
  const out = await tshark(args, opts);
  const lines = out.stdout.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const rows = lines.map((line) => {
    const cols = line.split("\t");
    return fields.map((_, i) => {
      const v = cols[i] ?? "";
      return v === "" ? [] : v.split(AGGREGATOR);
    });
  });
  return { rows, stderr: out.stderr, code: out.code };
}

/** Whether a tshark binary is on the PATH (and runs). */
export async function haveTshark(): Promise<boolean> {
  try {
    return (await tshark(["--version"])).code === 0;
  } catch {
    return false;
  }
}

/**
 * Runs tshark on `path` and returns one `TsharkFrame` per frame. TCP
 * sequence numbers are absolute (`tcp.relative_sequence_numbers:FALSE`);
 * names are not resolved (`-n`). Reassembly is off (`ip.defragment`,
 * `ipv6.defragment`, `tcp.desegment_tcp_streams` FALSE) because NetScope
 * decodes every packet on its own: with reassembly on, tshark moves the
 * transport ports of a fragmented datagram and the DNS/TLS fields of a
 * segmented message to the packet that completes it. TCP sequence analysis
 * is off (`tcp.analyze_sequence_numbers:FALSE`) for the same reason: with it
 * on, tshark withholds the payload of a segment it judges retransmitted or
 * out of order from the TLS/DNS dissectors (heuristic_tcp_ack_payload.pcap
 * hides all 6 ClientHellos that way); NetScope keeps no per-stream state.
 * IPv4 header checksums are verified (`ip.check_checksum:TRUE`) so that
 * `ip.checksum.status` can be compared. A non-zero exit is tolerated (tshark exits
 * 2 on a file cut mid-record after printing the frames it read); `stderr` is
 * returned for the caller to inspect.
 */
export async function runTshark(path: string): Promise<{ frames: TsharkFrame[]; stderr: string }> {
  const { rows, stderr } = await tsharkFields(path, TSHARK_FIELDS, {
    extraArgs: ["-n"],
    prefs: {
      "tcp.relative_sequence_numbers": "FALSE",
      "ip.defragment": "FALSE",
      "ipv6.defragment": "FALSE",
      "tcp.desegment_tcp_streams": "FALSE",
      "tcp.analyze_sequence_numbers": "FALSE",
      "ip.check_checksum": "TRUE",
    },
  });
  const frames = rows.map((row) => {
    const fr = {} as TsharkFrame;
    TSHARK_FIELDS.forEach((f, i) => (fr[f] = row[i]!));
    return fr;
  });
  return { frames, stderr };
}

/**
 * The frame's VLAN ids outermost first. tshark reports 802.1Q tags as
 * `vlan.id` and 802.1ad S-tags as `ieee8021ad.id`; the order in which the two
 * kinds nest is read from `frame.protocols`.
 */
export function tsharkVlanIds(fr: TsharkFrame): string[] {
  const q = fr["vlan.id"], ad = fr["ieee8021ad.id"];
  let qi = 0, adi = 0;
  const out: string[] = [];
  const protos = (fr["frame.protocols"][0] ?? "").split(":");
  for (const p of protos) {
    if (p === "vlan" && qi < q.length) out.push(q[qi++]!);
    else if (p === "ieee8021ad" && adi < ad.length) out.push(ad[adi++]!);
  }
  // Anything the protocol list did not account for, in field order.
  while (adi < ad.length) out.push(ad[adi++]!);
  while (qi < q.length) out.push(q[qi++]!);
  return out;
}

const EXT_FIELD: Record<string, TsharkField> = {
  "ipv6.hopopts": "ipv6.hopopts.nxt",
  "ipv6.routing": "ipv6.routing.nxt",
  "ipv6.fraghdr": "ipv6.fraghdr.nxt",
  "ipv6.dstopts": "ipv6.dstopts.nxt",
  "ah": "ah.next_header",
};

/**
 * For each IPv6 header tshark decoded, the protocol number that follows its
 * extension-header chain. tshark 4.0 puts only the fixed header's value in
 * `ipv6.nxt`; each extension header has its own `*.nxt` field, so the chain
 * is rebuilt by walking `frame.protocols` and taking the next occurrence of
 * the matching field for each extension header.
 */
export function tsharkIpv6Transport(fr: TsharkFrame): string[] {
  const idx: Record<string, number> = {};
  const out: string[] = [];
  let ipv6i = 0;
  let cur = -1; // index in `out` of the IPv6 header being walked
  const protos = (fr["frame.protocols"][0] ?? "").split(":");
  for (const p of protos) {
    if (p === "ipv6") {
      const v = fr["ipv6.nxt"][ipv6i++];
      if (v === undefined) break;
      out.push(v);
      cur = out.length - 1;
      continue;
    }
    const field = EXT_FIELD[p];
    if (field !== undefined && cur >= 0) {
      const i = idx[field] ?? 0;
      idx[field] = i + 1;
      const v = fr[field][i];
      if (v !== undefined) out[cur] = v;
      continue;
    }
    cur = -1;
  }
  return out;
}

/**
 * Addresses as tshark prints them: NetScope's own formatters (dotted IPv4,
 * RFC 5952 IPv6 with inet_ntop's embedded-IPv4 forms).
 */
export { ipv4Text as formatIpv4, ipv6Text as formatIpv6 } from "../src/display/addresses.ts";
