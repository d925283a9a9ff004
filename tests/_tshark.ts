/**
 * Test helpers: run tshark (the reference decoder) on a capture and parse
 * its `-T fields` output, and format NetScope's decoded values the way
 * tshark prints them (dotted IPv4, RFC 5952 IPv6, decimal numbers).
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

/** Whether a tshark binary is on the PATH. */
export async function haveTshark(): Promise<boolean> {
  try {
    const out = await new Deno.Command("tshark", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success;
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
  const args = [
    "-n",
    "-o",
    "tcp.relative_sequence_numbers:FALSE",
    "-o",
    "ip.defragment:FALSE",
    "-o",
    "ipv6.defragment:FALSE",
    "-o",
    "tcp.desegment_tcp_streams:FALSE",
    "-o",
    "tcp.analyze_sequence_numbers:FALSE",
    "-o",
    "ip.check_checksum:TRUE",
    "-r",
    path,
    "-T",
    "fields",
    "-E",
    "separator=/t",
    "-E",
    "occurrence=a",
    "-E",
    "aggregator=\u0001",
    "-E",
    "quote=n",
  ];
  for (const f of TSHARK_FIELDS) args.push("-e", f);
  const out = await new Deno.Command("tshark", { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  const frames: TsharkFrame[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const cols = line.split("\t");
    const fr = {} as TsharkFrame;
    for (let i = 0; i < TSHARK_FIELDS.length; i++) {
      const v = cols[i] ?? "";
      fr[TSHARK_FIELDS[i]!] = v === "" ? [] : v.split("\u0001");
    }
    frames.push(fr);
  }
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
