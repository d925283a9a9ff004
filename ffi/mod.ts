/**
 * Native bindings: libpcap through `Deno.dlopen` (needs `--allow-ffi`).
 *
 * @module
 */

export * from "./find_libpcap.ts";
export * from "./libpcap.ts";
