#!/usr/bin/env bash
# Fresh-process benchmarks of the release binary, as a script would run it:
#   1. one report (PDF+DOCX) in a fresh process: the median of 21 runs;
#   2. 1,000 reports (PDF+DOCX, about two pages each) into a folder, on every core;
#   3. the yearly summary (--aggregate) of the same 1,000 records;
#   4. peak memory of a streamed batch of 1,000 and of BIG records (default 100,000).
# Usage: benches/cli.sh [BIG]   (BIG=0 skips step 4; the output goes to $BENCH_DIR or a
# temporary folder, about 70 KB per record). Timings belong here, never in the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
big=${1:-100000}
work=${BENCH_DIR:-$(mktemp -d)}
cargo build --release --quiet
bin=target/release/vanban
# The bench program writes the data: the 63-province sample, repeated with new numbers.
data() { cargo bench --quiet --bench vanban -- write-csv "$1" "$work/hop-$1.csv" 2>/dev/null; }
measure() { /usr/bin/time -f "%e s wall, %U s user, %S s sys, peak %M KB" "$@" 2>&1 | tail -1; }

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

times=()
for _ in $(seq 21); do
    rm -rf "$work/one"
    start=$(date +%s%N)
    "$bin" render samples/hung-yen-2018/report.toml -o "$work/one" -q
    times+=($((($(date +%s%N) - start) / 1000)))
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 11p)
echo "one report, fresh process (PDF+DOCX): median $((median / 1000)).$(printf '%03d' $((median % 1000))) ms of 21 runs"

data 1000
rm -rf "$work/out"
start=$(date +%s%N)
line=$(measure "$bin" render "$work/hop-1000.csv" -o "$work/out" -q)
ms=$((($(date +%s%N) - start) / 1000000))
echo "1,000 reports (PDF+DOCX, $(ls "$work/out" | wc -l) files): $line; $((1000000 / ms)) documents/s"

rm -rf "$work/summary"
line=$(measure "$bin" render "$work/hop-1000.csv" --aggregate -o "$work/summary" -q)
pages=$(pdfinfo "$work/summary/hop-1000-tong-hop.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
echo "yearly summary of 1,000 records (PDF+DOCX, ${pages:-?} pages): $line"

if [ "$big" -gt 0 ]; then
    rm -rf "$work/out"
    echo "streamed 1,000 records: $(measure "$bin" render "$work/hop-1000.csv" -o "$work/out" -q)"
    data "$big"
    rm -rf "$work/out"
    echo "streamed $big records: $(measure "$bin" render "$work/hop-$big.csv" -o "$work/out" -q)"
    rm -rf "$work/out"
fi
