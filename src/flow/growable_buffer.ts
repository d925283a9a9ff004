/**
 * Growable storage for the flow table's typed arrays, without copies.
 *
 * A resizable `ArrayBuffer` reserves address space up to its maximum and
 * commits memory as it grows in place: growth copies nothing and leaves no
 * old buffer behind. Doubling plain buffers copies everything each time and
 * leaves the old buffers as garbage that the C allocator does not always
 * hand back to the system (measured at 1,000,000 flows: RSS ≈ 80 B per
 * flow above the live arrays). Views must be length-tracking
 * (`new Uint32Array(buf)`, no length argument): V8 reads those as fast as
 * views of plain buffers. Where the reservation fails (an address-space
 * limit such as `ulimit -v`), a plain buffer is used and grown by copying.
 *
 * @module
 */

/** A buffer of `bytes` that can grow in place up to `maxBytes` (or a plain one; see the module doc). */
export function reserveBuffer(bytes: number, maxBytes: number): ArrayBuffer {
  if (maxBytes > bytes) {
    try {
      return new ArrayBuffer(bytes, { maxByteLength: maxBytes });
    } catch {
      // No address space for the reservation: grow by copying instead.
    }
  }
  return new ArrayBuffer(bytes);
}

/**
 * `buf` grown to `bytes` (new bytes are zero): the same buffer resized in
 * place when it can be, else a new buffer holding a copy. Views of the old
 * buffer must be recreated from the result.
 */
export function growBuffer(buf: ArrayBuffer, bytes: number): ArrayBuffer {
  if (bytes <= buf.byteLength) return buf;
  if (buf.resizable && bytes <= buf.maxByteLength) {
    buf.resize(bytes);
    return buf;
  }
  const next = new ArrayBuffer(bytes);
  new Uint8Array(next).set(new Uint8Array(buf));
  return next;
}
