#!/usr/bin/env bash
# Runs every NetScope test: this is README's test command. Installs what a
# fresh machine lacks first: the pinned Deno from npm (scripts/deno), and the
# Debian tools the tests compare NetScope against (tshark, tcpdump,
# libpcap) when running as root. Ends with one line:
#   tests: N passed, N failed
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/deno --version >/dev/null || { echo "tests: 0 passed, 1 failed"; exit 1; }

need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
ldconfig -p 2>/dev/null | grep -q 'libpcap\.so' || need+=(libpcap0.8)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "warning: missing ${need[*]}: install them (sudo apt-get install ${need[*]}); tests comparing against them will fail" >&2
  fi
fi

log=$(mktemp)
NO_COLOR=1 RUST_BACKTRACE=0 scripts/deno task test 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^(ok|FAILED) \|' "$log" | tail -1)
passed=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
failed=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
rm -f "$log"
passed=${passed:-0}
failed=${failed:-0}
# A run that died before its summary (type error, crash) counts as a failure.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "tests: $passed passed, $failed failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
