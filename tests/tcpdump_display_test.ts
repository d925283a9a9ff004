/**
 * NetScope's one-line packet text against tcpdump's on real captures. The
 * line format is "tcpdump -n -S" (absolute sequence numbers) with UTC
 * times, so for these fixtures every line must equal tcpdump's after the
 * normalisations below, which remove what one side prints and the other
 * deliberately does not:
 * - tcpdump's application decoders NetScope does not have (": HTTP: GET /",
 *   " [telnet DO ECHO]") are cut from tcpdump's line;
 * - NetScope's VLAN prefix ("vlan 118,10 ") and TLS ClientHello suffix
 *   (": TLS ClientHello, SNI ...") are cut from NetScope's line (tcpdump
 *   shows VLANs only with -e and does not decode ClientHellos).
 */

import assert from "node:assert/strict";
import {
  CaptureFileReader,
  NEXT_FRAME,
  NEXT_NEED_DATA,
} from "../src/capture/capture_file_reader.ts";
import { Frame } from "../src/capture/frame.ts";
import { formatPacketLine } from "../src/display/packet_line.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { PacketRecord } from "../src/protocol/packet.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;

/** Fixtures whose every line must match. */
const FILES = [
  "802.1ad_QinQ.pcap",
  "DnsPackets.pcap",
  "basic-auth-with-colon.pcap",
  "chrome-34-google.pcap",
  "ctu-64702-888.pcap",
  "dns_tcp.pcap",
  "heuristic_tcp_ack_payload.pcap",
  "mixed-vlan-mpls.pcap",
  "one_http_stream_fin.pcap",
  "pcapng-multi-interface.pcapng",
  "retransmit-fast009.pcap",
  "synscan.pcap",
  "tcp-handshake-nano.pcap",
  "timestamp.pcap",
  "tls.pcap",
  "tls13-ech.pcap",
  "tls_with_huge_ch.pcapng",
  "vlan-qinqinq.pcap",
];

async function tcpdumpLines(file: string): Promise<string[]> {
  const out = await new Deno.Command("tcpdump", {
    args: ["-n", "-S", "-r", file],
    env: { TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, `tcpdump failed on ${file}: ${new TextDecoder().decode(out.stderr)}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "")
    .map((l) => l.replace(/: HTTP.*$/, "").replace(/ \[telnet .*\]$/, ""));
}

async function netscopeLines(file: string): Promise<string[]> {
  const r = await CaptureFileReader.open(file);
  const f = new Frame();
  const rec = new PacketRecord();
  const lines: string[] = [];
  for (;;) {
    const st = r.next(f);
    if (st === NEXT_FRAME) {
      decodeFrame(f, rec);
      lines.push(
        formatPacketLine(rec).replace(/^([0-9:.]+ )vlan [0-9,.]+ /, "$1").replace(
          /: TLS ClientHello.*$/,
          "",
        ),
      );
    } else if (st === NEXT_NEED_DATA) await r.fill();
    else break;
  }
  r.close();
  return lines;
}

for (const name of FILES) {
  Deno.test(`formatPacketLine() prints what tcpdump -n -S prints for ${name}`, async () => {
    const file = FIXTURES + name;
    const [want, got] = await Promise.all([tcpdumpLines(file), netscopeLines(file)]);
    assert.equal(got.length, want.length, "line count");
    for (let i = 0; i < want.length; i++) {
      assert.equal(got[i], want[i], `${name} frame ${i + 1}`);
    }
  });
}
