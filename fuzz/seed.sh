#!/usr/bin/env bash
# Fills corpus/<target>/ with the seed inputs: the example policies and the case fixtures.
# The `cases` target reads a selector byte first (format and read options), then the text.
set -euo pipefail
cd "$(dirname "$0")"
root=..
mkdir -p corpus/check corpus/fmt_roundtrip corpus/cases corpus/evaluate
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
