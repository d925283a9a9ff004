import assert from "node:assert/strict";
import { ipv4NumberText, ipv4Text, ipv6Text, macText } from "./addresses.ts";

function v6(hex: string): Uint8Array {
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return b;
}

Deno.test("ipv6Text() follows RFC 5952", () => {
  const cases: [string, string][] = [
    ["20010db8000000000000000000000001", "2001:db8::1"],
    ["00000000000000000000000000000000", "::"],
    ["00000000000000000000000000000001", "::1"],
    ["20010db8000000010000000000000001", "2001:db8:0:1::1"], // longest run wins
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"], // first of equal runs
    ["20010db8000100010001000100010001", "2001:db8:1:1:1:1:1:1"],
    ["20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"], // single 0 not shortened
    ["00000000000000000000ffffc0000201", "::ffff:192.0.2.1"],
    ["fe80000000000000c00054fffef50000", "fe80::c000:54ff:fef5:0"],
    ["ff0200000000000000000001ff000001", "ff02::1:ff00:1"],
    ["20010db8000000000000000000000000", "2001:db8::"],
  ];
  for (const [hex, text] of cases) assert.equal(ipv6Text(v6(hex), 0), text, hex);
});

Deno.test("ipv4Text() and ipv4NumberText() agree", () => {
  const b = new Uint8Array([9, 192, 168, 1, 254]);
  assert.equal(ipv4Text(b, 1), "192.168.1.254");
  assert.equal(ipv4NumberText(0xc0a801fe), "192.168.1.254");
});

Deno.test("macText() prints lower-case colon hex", () => {
  assert.equal(macText(new Uint8Array([0, 0x1b, 0xAB, 1, 2, 0xff]), 0), "00:1b:ab:01:02:ff");
});
