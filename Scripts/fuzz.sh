#!/usr/bin/env bash
# Builds the libFuzzer target in Fuzz/ and runs it for SECONDS (default 600).
#
#   Scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
#
# The target is compiled with swiftc directly over Modules/ZCachedCore (no SwiftPM, so it never
# takes the .build lock). The seed corpus is every response_hex and request_hex of
# Tests/ZCachedConformanceTests/Fixtures/vectors.json. Everything goes to .build-fuzz/ (git-ignored) (binary,
# corpus, crash-* artifacts, log); the script exits non-zero when libFuzzer found a crash.
set -euo pipefail

seconds="${1:-600}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$root/.build-fuzz"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"

python3 - "$root/Tests/ZCachedConformanceTests/Fixtures/vectors.json" "$work/seeds" <<'PY'
import json, sys, pathlib
vectors = json.load(open(sys.argv[1]))
out = pathlib.Path(sys.argv[2])
count = 0
for index, vector in enumerate(vectors):
    for field in ("response_hex", "request_hex"):
        if vector.get(field):
            (out / f"{index:04d}-{field.split('_')[0]}").write_bytes(bytes.fromhex(vector[field]))
            count += 1
print(f"seed corpus: {count} files")
PY

# Sources are listed explicitly so the build is reproducible and needs no SwiftPM.
mapfile -t sources < <(find "$root/Modules/ZCachedCore" -name '*.swift' | sort)
swiftc -sanitize=fuzzer,address -parse-as-library -O -g \
    -package-name swift_zcached -module-name ZCachedFuzz \
    "${sources[@]}" "$root/Fuzz/DecoderFuzzer.swift" \
    -o "$work/decoder-fuzzer"

# Both directories are given: new inputs go to corpus/, seeds stay untouched.
"$work/decoder-fuzzer" "$work/corpus" "$work/seeds" \
    -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$@" 2>&1 | tee "$work/fuzz.log"
exit "${PIPESTATUS[0]}"
