#!/usr/bin/env bash
# Counts the instructions of ZCachedCore's hot paths (encode SET, MGET and MSET of 100 keys;
# decode a GET and a 100-key MGET reply, alone and into MGET's dictionary) under valgrind's
# cachegrind: exact and repeatable, where timings on a shared VM are noise and the VM exposes
# no hardware counters to package-benchmark.
#
#   Scripts/instructions.sh [REVISION]
#
# Prints instructions per operation: (count for 2000 runs - count for 0 runs) / 2000, so start-up
# is not counted. With REVISION, ZCachedCore's sources are taken from that commit instead of the
# working tree, so a change can be compared with its parent. The harness
# (Benchmarks/InstructionCounts/main.swift) and ZCachedCore are compiled with swiftc -O (no
# SwiftPM, so it never takes the .build lock) into .build-instructions/ (git-ignored). Needs
# valgrind.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/.build-instructions"
rm -rf "$work/sources"
mkdir -p "$work/sources"
if [[ $# -ge 1 ]]; then
    git -C "$root" archive "$1" Modules/ZCachedCore | tar -x -C "$work/sources"
else
    cp -R "$root/Modules" "$work/sources/"
fi

# ZCachedCore is compiled as its own module, as SwiftPM's release build does, so only its
# @inlinable code crosses into the harness, as into a user's code.
mapfile -t sources < <(find "$work/sources/Modules/ZCachedCore" -name '*.swift' | sort)
swiftc -swift-version 6 -O -whole-module-optimization -parse-as-library -package-name swift_zcached -module-name ZCachedCore \
    -emit-module -emit-module-path "$work/ZCachedCore.swiftmodule" \
    -emit-object -o "$work/ZCachedCore.o" "${sources[@]}"
swiftc -swift-version 6 -O -package-name swift_zcached -I "$work" \
    "$root/Benchmarks/InstructionCounts/main.swift" "$work/ZCachedCore.o" \
    -o "$work/instruction-counts"

count() {
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
        "$work/instruction-counts" "$1" "$2" 2>&1 | awk '/I *refs/ { gsub(",", "", $4); print $4 }'
}

iterations=2000
for operation in encode-set encode-mget-100 encode-mset-100 decode-get decode-mget-100 mget-100-to-dictionary; do
    idle=$(count "$operation" 0)
    busy=$(count "$operation" "$iterations")
    printf '%-24s %9d\n' "$operation" $(((busy - idle) / iterations))
done
