/**
 * The flow table: every conversation NetScope has seen, keyed by the
 * canonical bidirectional key of `flow_key.ts`, stored in typed arrays.
 *
 * ## Layout (bytes per flow)
 *
 * A flow lives in a *slot*. Everything one packet updates sits in one
 * 64-byte record per slot (one cache line), read through three typed-array
 * views of the same buffer:
 *
 * | bytes | view | contents |
 * |---|---|---|
 * | 0–23 | Int32 ×6 | hash, address A, address B, ports (A << 16 \| B), meta (protocol, VLAN, IPv6 bit, flags), aux |
 * | 24–31 | Uint32 ×2 | packets A→B, B→A (a wrap past 2^32 − 1 is carried in a side map) |
 * | 32–63 | Float64 ×4 | first seen, last seen, bytes A→B, B→A |
 *
 * plus `links` (Int32 ×2 per slot, 8 B: LRU prev/next, or the free-list next
 * of a free slot) and the `index` (two Int32 per bucket: the flow's 32-bit
 * hash and slot + 1, 0 = empty; 2–4 buckets per flow).
 *
 * IPv4 addresses sit in the record itself. An IPv6 flow's record holds an
 * index into a separate pool of 8-word entries (`v6Pool`, 32 B per IPv6
 * flow), so IPv4 flows do not pay 24 B each for IPv6-sized addresses.
 * Measured at 1,000,000 IPv4 flows (tests/flow_memory_test.ts): typed
 * arrays 84 B per flow (capacity 2^20 slots × 72 B + 2^21 buckets × 4 B),
 * RSS growth ≈ 100 B per flow; with eight address words in every record it
 * would be ≈ 24 B more per flow and the record would span two cache lines.
 *
 * `aux` holds, for TCP/UDP/other flows, 1 + the handle of the flow's cell
 * in `flow_names.ts` (first DNS query name, first TLS SNI, kept as bytes;
 * 0 = none yet), created the first time such a name is seen on the flow; for
 * ICMP/ICMPv6 flows, 1 + (type << 8 | code) of the flow's first message,
 * which the Community ID needs.
 *
 * ## Index
 *
 * Linear probing over a power-of-two bucket array, grown (doubled and
 * rebuilt) when more than 70% full; deletion by backward shift, so there
 * are no tombstones. Each bucket holds the whole hash next to the slot, so
 * a probe reads a flow's key record only when the hashes match, and
 * deletion and growth never read records at all (on a table of a million
 * flows each record read is a cache miss). At most 2^25 − 1 slots
 * (33,554,431 flows).
 *
 * ## Expiry and eviction
 *
 * Two LRU lists: open flows, and TCP flows the TCP analyzer reports closed
 * or reset. They are ordered by the whole second of capture time of each
 * flow's last activity: a flow moves to the front on its first packet in a
 * new second, not on every packet (a move writes the links of two other
 * flows, two more cache misses per packet on a large table).
 * `expire(t)` walks each list from its old end while the flow there was
 * last active in a second before `t - timeout`, removing the flows idle
 * longer than their timeout (`timeoutSecs` for open flows,
 * min(`timeoutSecs`, `closedTimeoutSecs`) for closed ones): exact, at a
 * cost proportional to what expires plus the flows of one second. With
 * `maxFlows` set, inserting into a full table first evicts the least
 * recently active flow (the older of the two list tails), to the second:
 * of flows last active within the same second, the one that was first
 * active in it goes first. The `onRemove` callback sees every flow before
 * its slot is cleared.
 *
 * `observe` allocates nothing (names are copied as bytes into reused
 * cells; strings are made only by the accessors and `snapshot`).
 *
 * @module
 */

import { ipv4NumberText, ipv6Text } from "../display/addresses.ts";
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  L_DNS,
  L_NONE,
  L_TLS,
  type PacketRecord,
} from "../protocol/packet.ts";
import { communityId } from "./community_id.ts";
import { FlowNames } from "./flow_names.ts";
import { growBuffer, reserveBuffer } from "./growable_buffer.ts";
import { extractFlowKey, FAMILY_V6, FlowKey, KEY_FRAGMENT, KEY_OK } from "./flow_key.ts";

/**
 * What the flow table needs from the TCP analyzer (`tcp_analyzer.ts`), which
 * keeps its own per-slot arrays.
 */
export interface TcpObserver {
  /** Makes room for slots `0 .. newCapacity-1` (called at construction and on every growth). */
  grow(newCapacity: number): void;
  /** Forgets everything about `slot` (called when the slot is freed, after `onRemove`). */
  clear(slot: number): void;
  /**
   * One TCP packet of the flow in `slot`: `dir` 0 = A→B, 1 = B→A; `isNew`
   * on the flow's first packet. Called only when the decoder read the TCP
   * header up to its flags (`rec.tcpHdrLen !== 0`).
   */
  observe(slot: number, dir: number, isNew: boolean, rec: PacketRecord, t: number): void;
  /** Whether the connection in `slot` is closed (FIN both ways) or reset. */
  isClosed(slot: number): boolean;
  /** Whether a SYN-ACK was seen on the connection in `slot`. */
  sawSynAck(slot: number): boolean;
  /** Reads the slot's hot cache line (a prefetch); returns a value to keep the read alive. */
  warm(slot: number): number;
}

/** Why a flow left the table. */
export type FlowRemoveReason = "idle_timeout" | "tcp_closed" | "evicted" | "end_of_capture";

/**
 * Called with a flow's slot before the slot is cleared; the flow can still
 * be read (snapshot, accessors). It must not observe, expire or drain.
 */
export type FlowRemoveCallback = (slot: number, reason: FlowRemoveReason) => void;

/** TCP fields of a flow snapshot (filled by the TCP analyzer's hook; null when absent). */
export interface FlowTcpFields {
  tcp_state: string | null;
  client: string | null;
  retransmissions: number | null;
  out_of_order: number | null;
  rtt_last_ms: number | null;
  rtt_min_ms: number | null;
  rtt_ewma_ms: number | null;
  rtt_samples: number | null;
  handshake_rtt_ms: number | null;
}

/** One flow as plain data, for exports, stats and the dashboard (allocates). */
export interface FlowSnapshot extends FlowTcpFields {
  /** "tcp", "udp", "icmp", "icmpv6", or the IP protocol number as text. */
  protocol: string;
  endpoint_a_ip: string;
  endpoint_a_port: number;
  endpoint_b_ip: string;
  endpoint_b_port: number;
  /** Outer VLAN id, 0 if untagged. */
  vlan: number;
  /** Capture time `t` of the first and last packet (seconds from the first packet). */
  first_seen: number;
  last_seen: number;
  packets_a_to_b: number;
  packets_b_to_a: number;
  bytes_a_to_b: number;
  bytes_b_to_a: number;
  /** Which endpoint sent the flow's first packet seen: "a" or "b". */
  first_sender: "a" | "b";
  community_id: string;
  /** First DNS query name seen on the flow (no trailing dot), or null. */
  dns_name: string | null;
  /** First TLS ClientHello server name seen on the flow, or null. */
  sni: string | null;
}

/** Construction options of a FlowTable. */
export interface FlowTableOptions {
  /** Idle timeout in seconds of capture time; 0 (default) = flows never expire. */
  timeoutSecs?: number;
  /**
   * Idle timeout of TCP flows the analyzer reports closed or reset, capped by
   * `timeoutSecs` (default 5 s, Zeek's `tcp_close_delay`). Unused when
   * `timeoutSecs` is 0.
   */
  closedTimeoutSecs?: number;
  /**
   * Maximum live flows, 0 (default) = unlimited. At most 33,554,431
   * (`MAX_FLOW_SLOTS`); an "unlimited" table evicts at that size too.
   */
  maxFlows?: number;
  /** Initial slot capacity (default 1024; rounded up to a power of two). */
  initialCapacity?: number;
  /** TCP analyzer called for TCP packets; null (default) in scale mode. */
  tcp?: TcpObserver | null;
  /** Called before a flow is removed by eviction, and by `expire`/`drain` without a callback. */
  onRemove?: FlowRemoveCallback | null;
  /** Supplies the TCP fields of `snapshot()` (the analyzer's getters). */
  tcpSnapshot?: ((slot: number) => Partial<FlowTcpFields>) | null;
  /** Community ID seed (default 0). */
  communityIdSeed?: number;
}

// ---- the flow record: 64 bytes per slot, one cache line ----
// Int32 view: hash, A, B, ports, meta, aux; Uint32 view: packets A→B, B→A
// (words 6, 7); Float64 view: first seen, last seen, bytes A→B, B→A (4..7).
const REC_BYTES = 64;
const K_STRIDE = REC_BYTES / 4;
const K_HASH = 0;
const K_A = 1;
const K_B = 2;
const K_PORTS = 3;
const K_META = 4;
const K_AUX = 5;
const K_PKTS = 6; // + dir, Uint32 view
const F_STRIDE = REC_BYTES / 8;
const F_FIRST = 4;
const F_LAST = 5;
const F_BYTES = 6; // + dir

// meta: proto (bits 0-7), VLAN (8-19), IPv6 (20) form the key; flags above.
const META_V6 = 1 << 20;
const META_KEY_MASK = (1 << 21) - 1;
/** The flow's first packet went B→A. */
const META_FIRST_B = 1 << 21;
/** The flow is on the closed-TCP list. */
const META_CLOSED = 1 << 22;
/** The slot holds a flow. */
const META_LIVE = 1 << 23;
/** The flow's DNS query name is stored (saves reading its name cell per DNS packet). */
const META_HAS_DNS = 1 << 24;
/** The flow's TLS server name is stored. */
const META_HAS_SNI = 1 << 25;
/**
 * A SYN-ACK was seen on this TCP flow. Kept here only without a TCP
 * analyzer (scale mode), which otherwise knows it; lets the anomaly
 * detector tell an accepted connection from a refused one (RST).
 */
const META_SYN_ACK = 1 << 26;

// ---- index buckets: two Int32 words, the flow's hash and slot + 1 (0 = empty) ----
/** Largest number of slots (and so of flows) a table can hold. */
export const MAX_FLOW_SLOTS = (1 << 25) - 1;
const MAX_LOAD = 0.7;

const LIST_OPEN = 0;
const LIST_CLOSED = 1;

function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}

/** A bidirectional flow table in typed arrays (see the module doc). */
export class FlowTable {
  /** Direction of the last observed packet: 0 = A→B, 1 = B→A. */
  lastDir = 0;
  /** Whether the last observed packet created its flow. */
  lastIsNew = false;
  /** Packets without an IP header with both addresses (ARP, other ethertypes, damaged). */
  noFlowPackets = 0;
  /** Non-initial IP fragments (no transport header, so no flow). */
  fragmentPackets = 0;
  /** Flows created. */
  created = 0;
  /** Flows removed by `expire` (idle timeout or closed TCP). */
  expired = 0;
  /** Flows evicted to stay within `maxFlows`. */
  evicted = 0;

  readonly timeoutSecs: number;
  readonly closedTimeoutSecs: number;
  readonly maxFlows: number;
  /** maxFlows, or MAX_FLOW_SLOTS when unlimited (the table then evicts rather than fail). */
  readonly #limit: number;

  #size = 0;
  #slotCap: number;
  /** Slots ever handed out (slots at or past it have never been used). */
  #high = 0;
  #freeHead = -1;
  /** Int32 view of the records (key words). */
  #keys: Int32Array;
  /** Uint32 view of the records (packet counts). */
  #pkts: Uint32Array;
  /** Float64 view of the records (times, bytes). */
  #counters: Float64Array;
  /** Wraps of a packet counter past 2^32 - 1, by Uint32 view index (rare). */
  #pktWraps = new Map<number, number>();
  #links: Int32Array;
  #index: Int32Array;
  #mask: number;
  #growAt: number;
  #v6Pool: Int32Array;
  #v6High = 0;
  #v6FreeHead = -1;
  #heads = new Int32Array([-1, -1]);
  #tails = new Int32Array([-1, -1]);
  #probePos = 0;
  /** Where prefetch reads go (so that the compiler keeps them). */
  #sink = 0;
  readonly #key = new FlowKey();
  /** Scratch for exports: 16 bytes for A, its first 4, the same for B. */
  readonly #addrScratch: readonly Uint8Array[] = (() => {
    const a = new Uint8Array(16), b = new Uint8Array(16);
    return [a, a.subarray(0, 4), b, b.subarray(0, 4)];
  })();
  /** Keys extracted by `hashOf(rec, i)` for `observeKeyed(rec, t, i)`. */
  readonly #batchKeys: FlowKey[] = [];
  /** extractFlowKey's status for each of #batchKeys. */
  #batchStatus = new Int32Array(0);
  /** Slots `#warmVictims` reads (at most a batch's new flows + the closed tail). */
  #victims = new Int32Array(0);
  readonly #tcp: TcpObserver | null;
  readonly #onRemove: FlowRemoveCallback | null;
  readonly #tcpSnapshot: ((slot: number) => Partial<FlowTcpFields>) | null;
  readonly #seed: number;
  readonly #names = new FlowNames();

  constructor(opts: FlowTableOptions = {}) {
    this.timeoutSecs = opts.timeoutSecs ?? 0;
    this.closedTimeoutSecs = opts.closedTimeoutSecs ?? 5;
    this.maxFlows = opts.maxFlows ?? 0;
    if (!(this.timeoutSecs >= 0) || !(this.closedTimeoutSecs >= 0)) {
      throw new RangeError("Cannot create flow table: timeouts must be 0 or more seconds");
    }
    if (!Number.isInteger(this.maxFlows) || this.maxFlows < 0 || this.maxFlows > MAX_FLOW_SLOTS) {
      throw new RangeError(
        `Cannot create flow table: max flows must be an integer from 0 to ${MAX_FLOW_SLOTS}`,
      );
    }
    this.#limit = this.maxFlows > 0 ? this.maxFlows : MAX_FLOW_SLOTS;
    const cap = Math.min(nextPow2(opts.initialCapacity ?? 1024), this.#limit);
    this.#slotCap = cap;
    const recs = reserveBuffer(cap * REC_BYTES, this.#limit * REC_BYTES);
    this.#keys = new Int32Array(recs);
    this.#pkts = new Uint32Array(recs);
    this.#counters = new Float64Array(recs);
    this.#links = new Int32Array(reserveBuffer(cap * 8, this.#limit * 8));
    const buckets = nextPow2(Math.ceil(cap / MAX_LOAD) + 1);
    this.#index = new Int32Array(buckets * 2);
    this.#mask = buckets - 1;
    this.#growAt = Math.floor(buckets * MAX_LOAD);
    this.#v6Pool = new Int32Array(64 * 8);
    this.#tcp = opts.tcp ?? null;
    this.#onRemove = opts.onRemove ?? null;
    this.#tcpSnapshot = opts.tcpSnapshot ?? null;
    this.#seed = opts.communityIdSeed ?? 0;
    if (this.#tcp !== null) this.#tcp.grow(cap);
  }

  /** Live flows. */
  get size(): number {
    return this.#size;
  }

  /** Slots allocated (the TCP analyzer's arrays have the same capacity). */
  get capacity(): number {
    return this.#slotCap;
  }

  /** Bytes held by the table's typed arrays (index, records, IPv6 pool). */
  get byteLength(): number {
    return this.#keys.byteLength + this.#links.byteLength +
      this.#index.byteLength + this.#v6Pool.byteLength + this.#heads.byteLength +
      this.#tails.byteLength + this.#names.byteLength;
  }

  /**
   * Accounts one decoded packet at capture time `t` (seconds). Returns the
   * flow's slot, or -1 for a packet without a flow (then counted in
   * `noFlowPackets` or `fragmentPackets`). Sets `lastDir` and `lastIsNew`.
   * Allocates nothing (except a flow's first DNS name / SNI string).
   */
  observe(rec: PacketRecord, t: number): number {
    const key = this.#key;
    return this.#observe(rec, t, key, extractFlowKey(rec, key));
  }

  /**
   * `observe` for a packet whose key `hashOf(rec, i)` extracted (the
   * prefetch step of a batch), without extracting it again.
   */
  observeKeyed(rec: PacketRecord, t: number, i: number): number {
    return this.#observe(rec, t, this.#batchKeys[i]!, this.#batchStatus[i]!);
  }

  #observe(rec: PacketRecord, t: number, key: FlowKey, st: number): number {
    if (st !== KEY_OK) {
      if (st === KEY_FRAGMENT) this.fragmentPackets++;
      else this.noFlowPackets++;
      this.lastDir = 0;
      this.lastIsNew = false;
      return -1;
    }
    const dir = key.dir;
    let s = this.#find(key);
    const isNew = s < 0;
    // #insert may grow the arrays: read them after it.
    if (isNew) s = this.#insert(key, rec);
    const c = this.#counters, pk = this.#pkts;
    const co = s * F_STRIDE, po = s * K_STRIDE + K_PKTS;
    if (isNew) {
      c[co + F_FIRST] = t;
      c[co + F_LAST] = t;
      c[co + F_BYTES] = 0;
      c[co + F_BYTES + 1] = 0;
      pk[po] = 0;
      pk[po + 1] = 0;
    }
    // Last seen only moves forward (capture clocks can step back a little);
    // first seen stays the first packet's time, so it also identifies the flow.
    const prevLast = c[co + F_LAST]!;
    if (t > prevLast) c[co + F_LAST] = t;
    c[co + F_BYTES + dir] += rec.frame.wireLen;
    const n = pk[po + dir]!;
    if (n !== 0xffffffff) pk[po + dir] = n + 1;
    else this.#wrapPackets(po + dir);

    const keys = this.#keys;
    const mo = s * K_STRIDE + K_META;
    let meta = keys[mo]!;
    let list = LIST_OPEN;
    const tcp = this.#tcp;
    if ((meta & 0xff) === IPPROTO_TCP && rec.tcpHdrLen !== 0) {
      if (tcp !== null) {
        tcp.observe(s, dir, isNew, rec, t);
        if (tcp.isClosed(s)) list = LIST_CLOSED;
      } else if ((rec.tcpFlags & 0x16) === 0x12 && (meta & META_SYN_ACK) === 0) {
        // SYN and ACK without RST (0x02 | 0x10, 0x04).
        meta |= META_SYN_ACK;
        keys[mo] = meta;
      }
    }
    if (isNew) {
      this.#pushFront(s, list);
      if (list === LIST_CLOSED) keys[mo] = meta | META_CLOSED;
    } else {
      const cur = (meta & META_CLOSED) !== 0 ? LIST_CLOSED : LIST_OPEN;
      if (cur !== list) {
        this.#unlink(s, cur);
        this.#pushFront(s, list);
        keys[mo] = list === LIST_CLOSED ? meta | META_CLOSED : meta & ~META_CLOSED;
      } else if (Math.floor(t) > Math.floor(prevLast) && this.#heads[list] !== s) {
        // The first packet in a new second of capture time moves the flow
        // to the front; later ones in the same second leave the list alone.
        this.#unlink(s, list);
        this.#pushFront(s, list);
      }
    }
    if (rec.app !== L_NONE) this.#noteApp(s, rec);
    this.lastDir = dir;
    this.lastIsNew = isNew;
    return s;
  }

  /**
   * The slot of the flow `rec` belongs to, or -1 (no such flow, or no flow
   * key). Changes nothing.
   */
  lookup(rec: PacketRecord): number {
    return extractFlowKey(rec, this.#key) === KEY_OK ? this.#find(this.#key) : -1;
  }

  /**
   * Prefetch, first step: extracts the flow key of `rec`, keeping it as the
   * batch's key `i` for `observeKeyed`, and returns its hash (0 when the
   * packet has no flow key). Reads nothing of the table.
   */
  hashOf(rec: PacketRecord, i: number): number {
    const keys = this.#batchKeys;
    while (keys.length <= i) keys.push(new FlowKey());
    if (this.#batchStatus.length <= i) {
      const next = new Int32Array(keys.length);
      next.set(this.#batchStatus);
      this.#batchStatus = next;
    }
    const key = keys[i]!;
    const st = extractFlowKey(rec, key);
    this.#batchStatus[i] = st;
    return st === KEY_OK ? key.hash : 0;
  }

  /**
   * Prefetch, second step: reads the home buckets of hashes `h[0..n)`, so
   * that their cache misses overlap (a loop of independent loads and
   * nothing else, which the CPU keeps in flight together). Changes nothing.
   */
  warmBuckets(h: Int32Array, n: number): void {
    const index = this.#index, mask = this.#mask;
    let acc = 0;
    for (let i = 0; i < n; i++) acc ^= index[2 * (h[i]! & mask) + 1]!;
    this.#sink ^= acc;
  }

  /**
   * Prefetch, third step (after `warmBuckets`): reads the flow record, and
   * the TCP analyzer's, of the flow each hash finds in the index.
   */
  warmRecords(h: Int32Array, n: number): void {
    const index = this.#index, keys = this.#keys, mask = this.#mask, tcp = this.#tcp;
    let acc = 0, fresh = 0;
    for (let i = 0; i < n; i++) {
      // The first bucket from home with the same full hash: almost always
      // the flow's (the buckets hold the hash, so no record is read here).
      const hi = h[i]!;
      let b = hi & mask, e = index[2 * b + 1]!;
      while (e !== 0 && index[2 * b] !== hi) {
        b = (b + 1) & mask;
        e = index[2 * b + 1]!;
      }
      if (e === 0) {
        fresh++; // a new flow
        continue;
      }
      acc ^= keys[(e - 1) * K_STRIDE + K_META]!;
      if (tcp !== null) acc ^= tcp.warm(e - 1);
    }
    const over = this.#size + fresh - this.#limit;
    if (over > 0) acc ^= this.#warmVictims(over < fresh ? over : fresh);
    this.#sink ^= acc;
  }

  /** Reads the records (and TCP records) of the flows in `slots[0..n)`; a prefetch. */
  warmSlots(slots: Int32Array, n: number): void {
    const keys = this.#keys, tcp = this.#tcp, cap = this.#slotCap;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const x = slots[i]!;
      if (x < 0 || x >= cap) continue;
      acc ^= keys[x * K_STRIDE + K_META]!;
      if (tcp !== null) acc ^= tcp.warm(x);
    }
    this.#sink ^= acc;
  }

  /**
   * Reads what evicting the `k` least recently active flows will touch:
   * their records, TCP records, LRU links and index buckets (walking the
   * open list from its tail, and the closed list's tail, which an eviction
   * may take instead).
   */
  #warmVictims(k: number): number {
    const keys = this.#keys, links = this.#links, index = this.#index, mask = this.#mask;
    if (this.#victims.length < k + 2) this.#victims = new Int32Array(k + 2);
    const tcp = this.#tcp, victims = this.#victims;
    let acc = 0, m = 0;
    const tc = this.#tails[LIST_CLOSED]!;
    if (tc >= 0) victims[m++] = tc;
    let v = this.#tails[LIST_OPEN]!;
    while (v >= 0 && m < k + 1) {
      victims[m++] = v;
      acc ^= keys[v * K_STRIDE + K_HASH]!;
      if (tcp !== null) acc ^= tcp.warm(v);
      v = links[2 * v]!;
    }
    for (let j = 0; j < m; j++) {
      const x = victims[j]!;
      acc ^= index[2 * (keys[x * K_STRIDE + K_HASH]! & mask) + 1]! ^ links[2 * x]!;
    }
    return acc;
  }

  /** Finds the flow of `key`; returns its slot, or -1 leaving the empty bucket in #probePos. */
  #find(key: FlowKey): number {
    const h = key.hash;
    const index = this.#index, keys = this.#keys, mask = this.#mask;
    const meta = key.proto | (key.vlan << 8) | (key.family === FAMILY_V6 ? META_V6 : 0);
    const ports = (key.portA << 16) | key.portB;
    let i = h & mask;
    for (;;) {
      const e = index[2 * i + 1]!;
      if (e === 0) break;
      if (index[2 * i] === h) {
        const ko = (e - 1) * K_STRIDE;
        if (keys[ko + K_PORTS] === ports && (keys[ko + K_META]! & META_KEY_MASK) === meta) {
          const s = e - 1;
          if (key.family === FAMILY_V6) {
            if (this.#v6Equal(keys[ko + K_A]!, key)) return s;
          } else if (keys[ko + K_A] === key.a0 && keys[ko + K_B] === key.b0) return s;
        }
      }
      i = (i + 1) & mask;
    }
    this.#probePos = i;
    return -1;
  }

  #v6Equal(p: number, key: FlowKey): boolean {
    const v = this.#v6Pool, o = p * 8;
    return v[o] === key.a0 && v[o + 1] === key.a1 && v[o + 2] === key.a2 &&
      v[o + 3] === key.a3 && v[o + 4] === key.b0 && v[o + 5] === key.b1 &&
      v[o + 6] === key.b2 && v[o + 7] === key.b3;
  }

  /** Creates the flow of `key` (after a failed #find); returns its slot. */
  #insert(key: FlowKey, rec: PacketRecord): number {
    let pos = this.#probePos;
    let moved = false;
    if (this.#size >= this.#limit) {
      this.#evictOldest();
      moved = true;
    }
    if (this.#size + 1 > this.#growAt) {
      this.#growIndex();
      moved = true;
    }
    const h = key.hash;
    if (moved) {
      const index = this.#index, mask = this.#mask;
      pos = h & mask;
      while (index[2 * pos + 1] !== 0) pos = (pos + 1) & mask;
    }
    const s = this.#allocSlot();
    this.#index[2 * pos] = h;
    this.#index[2 * pos + 1] = s + 1;
    const keys = this.#keys, ko = s * K_STRIDE;
    const proto = key.proto;
    let meta = proto | (key.vlan << 8) | META_LIVE | (key.dir === 1 ? META_FIRST_B : 0);
    keys[ko + K_HASH] = h;
    if (key.family === FAMILY_V6) {
      meta |= META_V6;
      const p = this.#allocV6();
      const v = this.#v6Pool, o = p * 8;
      v[o] = key.a0;
      v[o + 1] = key.a1;
      v[o + 2] = key.a2;
      v[o + 3] = key.a3;
      v[o + 4] = key.b0;
      v[o + 5] = key.b1;
      v[o + 6] = key.b2;
      v[o + 7] = key.b3;
      keys[ko + K_A] = p;
      keys[ko + K_B] = 0;
    } else {
      keys[ko + K_A] = key.a0;
      keys[ko + K_B] = key.b0;
    }
    keys[ko + K_PORTS] = (key.portA << 16) | key.portB;
    keys[ko + K_META] = meta;
    keys[ko + K_AUX] = (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) && rec.icmpType >= 0
      ? 1 + ((rec.icmpType << 8) | (rec.icmpCode & 0xff))
      : 0;
    this.#size++;
    this.created++;
    return s;
  }

  /** A packet counter (Uint32 view index `i`) passed 2^32 - 1: carry into #pktWraps. */
  #wrapPackets(i: number): void {
    this.#pkts[i] = 0;
    this.#pktWraps.set(i, (this.#pktWraps.get(i) ?? 0) + 1);
  }

  #allocSlot(): number {
    const f = this.#freeHead;
    if (f >= 0) {
      this.#freeHead = this.#links[2 * f + 1]!;
      return f;
    }
    if (this.#high === this.#slotCap) this.#growSlots();
    return this.#high++;
  }

  #growSlots(): void {
    // Only called below #limit (#insert evicts at it), so the capacity grows.
    const cap = Math.min(this.#slotCap * 2, this.#limit);
    const recs = growBuffer(this.#keys.buffer as ArrayBuffer, cap * REC_BYTES);
    this.#keys = new Int32Array(recs);
    this.#pkts = new Uint32Array(recs);
    this.#counters = new Float64Array(recs);
    this.#links = new Int32Array(growBuffer(this.#links.buffer as ArrayBuffer, cap * 8));
    this.#slotCap = cap;
    if (this.#tcp !== null) this.#tcp.grow(cap);
  }

  #growIndex(): void {
    const old = this.#index;
    const buckets = old.length; // twice the old bucket count (2 words each)
    const index = new Int32Array(buckets * 2);
    const mask = buckets - 1;
    for (let j = 0; j < old.length; j += 2) {
      const e = old[j + 1]!;
      if (e === 0) continue;
      const h = old[j]!;
      let i = h & mask;
      while (index[2 * i + 1] !== 0) i = (i + 1) & mask;
      index[2 * i] = h;
      index[2 * i + 1] = e;
    }
    this.#index = index;
    this.#mask = mask;
    this.#growAt = Math.floor(buckets * MAX_LOAD);
  }

  #allocV6(): number {
    const f = this.#v6FreeHead;
    if (f >= 0) {
      this.#v6FreeHead = this.#v6Pool[f * 8]! | 0;
      return f;
    }
    if ((this.#v6High + 1) * 8 > this.#v6Pool.length) {
      const pool = new Int32Array(this.#v6Pool.length * 2);
      pool.set(this.#v6Pool);
      this.#v6Pool = pool;
    }
    return this.#v6High++;
  }

  // ---- LRU lists (links: prev at 2s, next at 2s+1) ----

  #pushFront(s: number, list: number): void {
    const links = this.#links;
    const h = this.#heads[list]!;
    links[2 * s] = -1;
    links[2 * s + 1] = h;
    if (h >= 0) links[2 * h] = s;
    else this.#tails[list] = s;
    this.#heads[list] = s;
  }

  #unlink(s: number, list: number): void {
    const links = this.#links;
    const p = links[2 * s]!, n = links[2 * s + 1]!;
    if (p >= 0) links[2 * p + 1] = n;
    else this.#heads[list] = n;
    if (n >= 0) links[2 * n] = p;
    else this.#tails[list] = p;
  }

  #evictOldest(): void {
    const to = this.#tails[LIST_OPEN]!, tc = this.#tails[LIST_CLOSED]!;
    let s = to;
    if (
      tc >= 0 &&
      (to < 0 || this.#counters[tc * F_STRIDE + F_LAST]! < this.#counters[to * F_STRIDE + F_LAST]!)
    ) s = tc;
    this.evicted++;
    this.#remove(s, "evicted", this.#onRemove);
  }

  /** Removes the flow in `s`: callback first, then the analyzer, index, list and slot. */
  #remove(s: number, reason: FlowRemoveReason, cb: FlowRemoveCallback | null): void {
    if (cb !== null) cb(s, reason);
    if (this.#tcp !== null) this.#tcp.clear(s);
    const keys = this.#keys, ko = s * K_STRIDE;
    const meta = keys[ko + K_META]!;
    this.#indexDelete(s, keys[ko + K_HASH]!);
    this.#unlink(s, (meta & META_CLOSED) !== 0 ? LIST_CLOSED : LIST_OPEN);
    if ((meta & META_V6) !== 0) {
      const p = keys[ko + K_A]!;
      this.#v6Pool[p * 8] = this.#v6FreeHead;
      this.#v6FreeHead = p;
    }
    const proto = meta & 0xff;
    const aux = keys[ko + K_AUX]!;
    if (aux !== 0 && proto !== IPPROTO_ICMP && proto !== IPPROTO_ICMPV6) this.#names.free(aux - 1);
    // #insert and observe rewrite the whole record; only "live" must go now.
    keys[ko + K_META] = 0;
    keys[ko + K_AUX] = 0;
    if (this.#pktWraps.size > 0) {
      this.#pktWraps.delete(s * K_STRIDE + K_PKTS);
      this.#pktWraps.delete(s * K_STRIDE + K_PKTS + 1);
    }
    this.#links[2 * s] = -1;
    this.#links[2 * s + 1] = this.#freeHead;
    this.#freeHead = s;
    this.#size--;
  }

  /** Deletes slot `s` from the index by backward shift (no tombstones). */
  #indexDelete(s: number, h: number): void {
    const index = this.#index, mask = this.#mask;
    let i = h & mask;
    while (index[2 * i + 1] !== s + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = index[2 * j + 1]!;
      if (e === 0) break;
      const hj = index[2 * j]!;
      const home = hj & mask;
      // The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
      if (i <= j ? i < home && home <= j : i < home || home <= j) continue;
      index[2 * i] = hj;
      index[2 * i + 1] = e;
      i = j;
    }
    index[2 * i] = 0;
    index[2 * i + 1] = 0;
  }

  #noteApp(s: number, rec: PacketRecord): void {
    const keys = this.#keys, ao = s * K_STRIDE + K_AUX, mo = s * K_STRIDE + K_META;
    const meta = keys[mo]!;
    const proto = meta & 0xff;
    if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) return;
    const h = keys[ao]! - 1;
    const names = this.#names;
    if (rec.app === L_DNS) {
      if ((meta & META_HAS_DNS) !== 0 || rec.dns.qParsed === 0) return;
      const nh = names.setDns(h, rec.buf, rec.dns, rec.dns.qNameOff[0]!);
      keys[ao] = 1 + nh;
      if (names.hasDns(nh)) keys[mo] = meta | META_HAS_DNS;
    } else if (rec.app === L_TLS) {
      const tls = rec.tls;
      if ((meta & META_HAS_SNI) !== 0 || tls.sniOff < 0) return;
      keys[ao] = 1 + names.setSni(h, rec.buf, tls.sniOff, tls.sniLen);
      keys[mo] = meta | META_HAS_SNI;
    }
  }

  // ---- expiry ----

  /**
   * Removes flows idle for longer than their timeout at capture time `t`,
   * oldest first, calling `onRemove` (default: the constructor's) for each
   * before its slot is cleared. Does nothing when `timeoutSecs` is 0. Cost
   * is proportional to the flows removed. Returns how many were removed.
   */
  expire(t: number, onRemove: FlowRemoveCallback | null = this.#onRemove): number {
    if (this.timeoutSecs <= 0) return 0;
    const closed = Math.min(this.timeoutSecs, this.closedTimeoutSecs);
    const n = this.#expireList(LIST_OPEN, t, this.timeoutSecs, "idle_timeout", onRemove) +
      this.#expireList(LIST_CLOSED, t, closed, "tcp_closed", onRemove);
    this.expired += n;
    return n;
  }

  /**
   * Removes the flows of `list` idle for longer than `timeout` at `t`. The
   * list is ordered by the whole second of each flow's last activity, so
   * the walk from its old end stops at the first flow whose second is not
   * before `t - timeout`; flows passed over (active later in their second)
   * stay where they are.
   */
  #expireList(
    list: number,
    t: number,
    timeout: number,
    reason: FlowRemoveReason,
    cb: FlowRemoveCallback | null,
  ): number {
    const c = this.#counters, links = this.#links;
    const limit = t - timeout;
    let n = 0;
    for (let s = this.#tails[list]!; s >= 0;) {
      const last = c[s * F_STRIDE + F_LAST]!;
      if (!(Math.floor(last) < limit)) break;
      const newer = links[2 * s]!;
      if (t - last > timeout) {
        this.#remove(s, reason, cb);
        n++;
      }
      s = newer;
    }
    return n;
  }

  /**
   * Removes every flow with reason "end_of_capture", least recently active
   * first (closed TCP flows before open ones), calling `onRemove` for each.
   */
  drain(onRemove: FlowRemoveCallback | null = this.#onRemove): void {
    for (let list = LIST_CLOSED; list >= LIST_OPEN; list--) {
      for (let s = this.#tails[list]!; s >= 0; s = this.#tails[list]!) {
        this.#remove(s, "end_of_capture", onRemove);
      }
    }
  }

  /** Calls `cb` with the slot of every live flow (in slot order). Do not add or remove flows from `cb`. */
  forEachFlow(cb: (slot: number) => void): void {
    const keys = this.#keys;
    for (let s = 0; s < this.#high; s++) {
      if ((keys[s * K_STRIDE + K_META]! & META_LIVE) !== 0) cb(s);
    }
  }

  // ---- per-slot accessors (cheap, no allocation) ----

  /** Whether `slot` holds a flow. */
  /**
   * Writes every slot's total bytes (both directions) to `out[0..n)`, 0 for
   * a slot without a flow: one pass over the records, for per-tick scans.
   */
  totalBytesInto(out: Float64Array, n: number): void {
    const keys = this.#keys, c = this.#counters;
    const m = Math.min(n, this.#high);
    for (let s = 0; s < m; s++) {
      const fo = s * F_STRIDE;
      out[s] = (keys[s * K_STRIDE + K_META]! & META_LIVE) !== 0
        ? c[fo + F_BYTES]! + c[fo + F_BYTES + 1]!
        : 0;
    }
    if (m < n) out.fill(0, m, n);
  }
  isLive(slot: number): boolean {
    return slot >= 0 && slot < this.#high &&
      (this.#keys[slot * K_STRIDE + K_META]! & META_LIVE) !== 0;
  }
  /** IP protocol number of the flow. */
  proto(slot: number): number {
    return this.#keys[slot * K_STRIDE + K_META]! & 0xff;
  }
  /** Outer VLAN id of the flow (0 = untagged). */
  vlan(slot: number): number {
    return (this.#keys[slot * K_STRIDE + K_META]! >>> 8) & 0xfff;
  }
  /** Whether the flow is IPv6. */
  isIpv6(slot: number): boolean {
    return (this.#keys[slot * K_STRIDE + K_META]! & META_V6) !== 0;
  }
  /** Port of endpoint A (0 when the protocol has none). */
  portA(slot: number): number {
    return this.#keys[slot * K_STRIDE + K_PORTS]! >>> 16;
  }
  /** Port of endpoint B. */
  portB(slot: number): number {
    return this.#keys[slot * K_STRIDE + K_PORTS]! & 0xffff;
  }
  /** IPv4 address of endpoint A as an unsigned number (IPv4 flows only). */
  addrV4A(slot: number): number {
    return this.#keys[slot * K_STRIDE + K_A]! >>> 0;
  }
  /** IPv4 address of endpoint B as an unsigned number (IPv4 flows only). */
  addrV4B(slot: number): number {
    return this.#keys[slot * K_STRIDE + K_B]! >>> 0;
  }
  /** Packets sent in direction `dir` (0 = A→B, 1 = B→A). */
  packets(slot: number, dir: number): number {
    const i = slot * K_STRIDE + K_PKTS + dir;
    const n = this.#pkts[i]!;
    return this.#pktWraps.size === 0 ? n : n + (this.#pktWraps.get(i) ?? 0) * 4294967296;
  }
  /** Wire bytes sent in direction `dir`. */
  bytes(slot: number, dir: number): number {
    return this.#counters[slot * F_STRIDE + F_BYTES + dir]!;
  }
  /** Capture time of the flow's first packet (never changes while the flow lives). */
  firstSeen(slot: number): number {
    return this.#counters[slot * F_STRIDE + F_FIRST]!;
  }
  /** Latest capture time seen on the flow (the maximum, should the clock step back). */
  lastSeen(slot: number): number {
    return this.#counters[slot * F_STRIDE + F_LAST]!;
  }
  /**
   * Whether a SYN-ACK was seen on the TCP flow in `slot` (asks the TCP
   * analyzer when there is one).
   */
  sawSynAck(slot: number): boolean {
    const tcp = this.#tcp;
    if (tcp !== null) return tcp.sawSynAck(slot);
    return (this.#keys[slot * K_STRIDE + K_META]! & META_SYN_ACK) !== 0;
  }
  /** Direction of the flow's first packet (0 = A→B, 1 = B→A). */
  firstDir(slot: number): number {
    return (this.#keys[slot * K_STRIDE + K_META]! & META_FIRST_B) !== 0 ? 1 : 0;
  }
  /** The flow's symmetric hash (unsigned), as `flowHash()` gives for its packets. */
  hash(slot: number): number {
    return this.#keys[slot * K_STRIDE + K_HASH]! >>> 0;
  }

  /** Writes endpoint `which`'s address (0 = A, 1 = B) into `out` (4 or 16 bytes); returns its length. */
  addressBytes(slot: number, which: number, out: Uint8Array): number {
    const keys = this.#keys, ko = slot * K_STRIDE;
    if ((keys[ko + K_META]! & META_V6) === 0) {
      const v = keys[ko + (which === 0 ? K_A : K_B)]!;
      out[0] = v >>> 24;
      out[1] = (v >>> 16) & 255;
      out[2] = (v >>> 8) & 255;
      out[3] = v & 255;
      return 4;
    }
    const o = keys[ko + K_A]! * 8 + which * 4;
    for (let w = 0; w < 4; w++) {
      const v = this.#v6Pool[o + w]!;
      out[4 * w] = v >>> 24;
      out[4 * w + 1] = (v >>> 16) & 255;
      out[4 * w + 2] = (v >>> 8) & 255;
      out[4 * w + 3] = v & 255;
    }
    return 16;
  }

  /** Text of endpoint `which`'s address (0 = A, 1 = B). */
  addressText(slot: number, which: number): string {
    const meta = this.#keys[slot * K_STRIDE + K_META]!;
    if ((meta & META_V6) === 0) {
      return ipv4NumberText(this.#keys[slot * K_STRIDE + (which === 0 ? K_A : K_B)]! >>> 0);
    }
    const b = this.#addrScratch[0]!;
    this.addressBytes(slot, which, b);
    return ipv6Text(b, 0);
  }

  /** First DNS query name seen on the flow, or null. */
  dnsName(slot: number): string | null {
    return this.#names.dnsName(this.#nameIndex(slot));
  }

  /** First TLS SNI seen on the flow, or null. */
  sni(slot: number): string | null {
    return this.#names.sni(this.#nameIndex(slot));
  }

  #nameIndex(slot: number): number {
    const proto = this.proto(slot);
    if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) return -1;
    return this.#keys[slot * K_STRIDE + K_AUX]! - 1;
  }

  /**
   * The flow's Community ID v1 (computed here, SHA-1 once per call). ICMP
   * flows use their first message's type and code and its sender as the
   * source; an ICMP flow whose first message was cut before its type hashes
   * like an unknown protocol (addresses only).
   */
  communityId(slot: number): string {
    const keys = this.#keys, ko = slot * K_STRIDE;
    const meta = keys[ko + K_META]!;
    const proto = meta & 0xff;
    const [a16, a4, b16, b4] = this.#addrScratch;
    const n = this.addressBytes(slot, 0, a16!);
    this.addressBytes(slot, 1, b16!);
    const a = n === 4 ? a4! : a16!, b = n === 4 ? b4! : b16!;
    const pa = this.portA(slot), pb = this.portB(slot);
    const firstB = (meta & META_FIRST_B) !== 0;
    const src = firstB ? b : a;
    const dst = firstB ? a : b;
    if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
      const aux = keys[ko + K_AUX]!;
      if (aux === 0) return communityId({ proto, src, dst, srcPort: -1, dstPort: -1 }, this.#seed);
      const tc = aux - 1;
      return communityId({ proto, src, dst, srcPort: tc >>> 8, dstPort: tc & 0xff }, this.#seed);
    }
    return communityId(
      { proto, src, dst, srcPort: firstB ? pb : pa, dstPort: firstB ? pa : pb },
      this.#seed,
    );
  }

  /** One flow as plain data (allocates; for exports and stats, not per packet). */
  snapshot(slot: number): FlowSnapshot {
    const c = this.#counters, co = slot * F_STRIDE;
    const proto = this.proto(slot);
    const snap: FlowSnapshot = {
      protocol: protocolName(proto),
      endpoint_a_ip: this.addressText(slot, 0),
      endpoint_a_port: this.portA(slot),
      endpoint_b_ip: this.addressText(slot, 1),
      endpoint_b_port: this.portB(slot),
      vlan: this.vlan(slot),
      first_seen: c[co + F_FIRST]!,
      last_seen: c[co + F_LAST]!,
      packets_a_to_b: this.packets(slot, 0),
      packets_b_to_a: this.packets(slot, 1),
      bytes_a_to_b: c[co + F_BYTES]!,
      bytes_b_to_a: c[co + F_BYTES + 1]!,
      first_sender: this.firstDir(slot) === 1 ? "b" : "a",
      community_id: this.communityId(slot),
      dns_name: this.dnsName(slot),
      sni: this.sni(slot),
      tcp_state: null,
      client: null,
      retransmissions: null,
      out_of_order: null,
      rtt_last_ms: null,
      rtt_min_ms: null,
      rtt_ewma_ms: null,
      rtt_samples: null,
      handshake_rtt_ms: null,
    };
    if (this.#tcpSnapshot !== null && proto === IPPROTO_TCP) {
      const f = this.#tcpSnapshot(slot);
      if (f.tcp_state !== undefined) snap.tcp_state = f.tcp_state;
      if (f.client !== undefined) snap.client = f.client;
      if (f.retransmissions !== undefined) snap.retransmissions = f.retransmissions;
      if (f.out_of_order !== undefined) snap.out_of_order = f.out_of_order;
      if (f.rtt_last_ms !== undefined) snap.rtt_last_ms = f.rtt_last_ms;
      if (f.rtt_min_ms !== undefined) snap.rtt_min_ms = f.rtt_min_ms;
      if (f.rtt_ewma_ms !== undefined) snap.rtt_ewma_ms = f.rtt_ewma_ms;
      if (f.rtt_samples !== undefined) snap.rtt_samples = f.rtt_samples;
      if (f.handshake_rtt_ms !== undefined) snap.handshake_rtt_ms = f.handshake_rtt_ms;
    }
    return snap;
  }
}

/** Export name of an IP protocol: "tcp", "udp", "icmp", "icmpv6", else the number as text. */
export function protocolName(proto: number): string {
  switch (proto) {
    case IPPROTO_TCP:
      return "tcp";
    case IPPROTO_UDP:
      return "udp";
    case IPPROTO_ICMP:
      return "icmp";
    case IPPROTO_ICMPV6:
      return "icmpv6";
  }
  return String(proto);
}
