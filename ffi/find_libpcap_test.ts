import assert from "node:assert/strict";
import {
  describeCandidates,
  findLibpcap,
  LIBPCAP_ENV,
  libpcapCandidates,
  libpcapInstallHint,
  LibpcapLoadError,
} from "./find_libpcap.ts";
import { cString, LIBPCAP_SYMBOLS, loadLibpcap, readCString } from "./libpcap.ts";

/** Runs `fn` with NETSCOPE_LIBPCAP set to `value`, restoring it afterwards. */
function withEnv<T>(value: string, fn: () => T): T {
  const old = Deno.env.get(LIBPCAP_ENV);
  Deno.env.set(LIBPCAP_ENV, value);
  try {
    return fn();
  } finally {
    if (old === undefined) Deno.env.delete(LIBPCAP_ENV);
    else Deno.env.set(LIBPCAP_ENV, old);
  }
}

Deno.test("candidates: sonames first, then Debian, Fedora and Alpine directories", () => {
  const linux = libpcapCandidates("linux");
  assert.deepEqual(linux.slice(0, 3), ["libpcap.so.1", "libpcap.so.0.8", "libpcap.so"]);
  for (
    const p of [
      "/usr/lib/x86_64-linux-gnu/libpcap.so.0.8",
      "/usr/lib/aarch64-linux-gnu/libpcap.so.0.8",
      "/usr/lib64/libpcap.so.1",
      "/usr/lib/libpcap.so.1",
    ]
  ) {
    assert.ok(linux.includes(p), p);
  }
  const mac = libpcapCandidates("darwin");
  assert.equal(mac[0], "libpcap.A.dylib");
  assert.ok(mac.includes("/opt/homebrew/opt/libpcap/lib/libpcap.dylib"));
  assert.ok(libpcapCandidates("windows").some((p) => p.endsWith("wpcap.dll")));
  assert.match(
    libpcapInstallHint("linux"),
    /apt-get install libpcap0\.8.*dnf install libpcap.*apk add libpcap/,
  );
  assert.match(
    describeCandidates("linux"),
    /^libpcap\.so\.1, libpcap\.so\.0\.8, libpcap\.so on the loader's search path and in \/usr\/lib\/x86_64-linux-gnu/,
  );
});

Deno.test("libpcap loads and reports its version", () => {
  const pcap = loadLibpcap();
  assert.match(pcap.version, /^libpcap version \d+\.\d+/);
  assert.equal(loadLibpcap(), pcap, "loaded once");
  assert.equal(readCString(pcap.symbols.pcap_lib_version()), pcap.version);
  // The table binds what compiling needs, and libc's fmemopen through libpcap.
  assert.ok(pcap.symbols.pcap_fopen_offline !== null);
  assert.ok(pcap.symbols.fmemopen !== null);
});

Deno.test("NETSCOPE_LIBPCAP names the library to load", () => {
  const path = loadLibpcap().path; // whatever the default search found
  const found = withEnv(path, () => findLibpcap(LIBPCAP_SYMBOLS));
  try {
    assert.equal(found.path, path);
    const p = found.library.symbols;
    const handle = p.pcap_open_dead(1, 65535);
    assert.ok(handle !== null);
    p.pcap_close(handle);
  } finally {
    found.library.close();
  }
});

Deno.test("a wrong NETSCOPE_LIBPCAP is reported, not replaced by another libpcap", () => {
  for (const value of ["/nonexistent/libpcap.so.1", "libc.so.6"]) {
    assert.throws(() => withEnv(value, () => findLibpcap(LIBPCAP_SYMBOLS)), (e: unknown) => {
      assert.ok(e instanceof LibpcapLoadError);
      assert.deepEqual(e.tried, [value]);
      assert.ok(
        e.message.startsWith(`Cannot load libpcap: ${LIBPCAP_ENV}=${value} could not be opened (`),
      );
      assert.ok(e.message.includes('install it with "apt-get install libpcap0.8"'));
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("cString is NUL-terminated UTF-8", () => {
  assert.deepEqual(Array.from(cString("é1")), [0xc3, 0xa9, 0x31, 0]);
  assert.equal(readCString(null), "");
});
