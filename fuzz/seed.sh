#!/usr/bin/env bash
# Fills corpus/<target>/ with the seed inputs: the example policies and the case fixtures.
# The `cases` target reads a selector byte first (format and read options), then the text.
set -euo pipefail
cd "$(dirname "$0")"
root=..
mkdir -p corpus/check corpus/fmt_roundtrip corpus/cases corpus/evaluate corpus/conditions corpus/imports
for file in $(find "$root/policies" "$root/tests/fixtures" -name '*.policy'); do
    name=$(echo "${file#"$root"/}" | tr '/' '_')
    cp "$file" "corpus/check/$name"
    cp "$file" "corpus/fmt_roundtrip/$name"
done
# Selector bytes: low two bits pick the format (0 yaml, 1 json, 2 jsonl, 3 guess);
# 0x30 adds a default timezone and the ranks agent < supervisor < manager.
for file in $(find "$root/policies" "$root/tests/fixtures" -name '*.yaml' -o -name '*.json' -o -name '*.jsonl'); do
    case "$file" in
        *.yaml) selector='\x30' ;;
        *.json) selector='\x31' ;;
        *.jsonl) selector='\x32' ;;
    esac
    name=$(echo "${file#"$root"/}" | tr '/' '_')
    { printf "$selector"; cat "$file"; } > "corpus/cases/$name"
done
# The structured targets read their input through `arbitrary`: a few fixed byte patterns (all
# zeros, all ones, counting, alternating) give them chains, nesting and trees to start from.
export LC_ALL=C
for target in conditions imports; do
    head -c 64 /dev/zero > "corpus/$target/zeros"
    head -c 256 /dev/zero | tr '\0' '\377' > "corpus/$target/ones"
    for n in 1 2 3 4 5 6 7 8; do
        awk -v n="$n" 'BEGIN { for (i = 0; i < 256; i++) printf "%c", (i * n) % 251 + 1 }' \
            > "corpus/$target/count-$n"
    done
    awk 'BEGIN { for (i = 0; i < 128; i++) printf "%c%c", 2, 200 }' > "corpus/$target/alternate"
done
