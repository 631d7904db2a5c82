#!/bin/bash
# usage: probe.sh LABEL [serve options...]
label=$1; shift
cd /tmp/s12/sv
t0=$(date +%s.%N)
/work/main/fusedrnn serve --weights lstm64.safetensors --port 0 "$@" > serve.out 2> serve.err &
pid=$!
for i in $(seq 1 600); do grep -q listening serve.out 2>/dev/null && break; sleep 0.05; done
t1=$(date +%s.%N)
url=$(sed -n 's/listening on //p' serve.out)
seq_t=""
for i in 0 1 2 3 4 5 6 7 8 9; do seq_t="$seq_t $(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' --data-binary @b0$i.json $url/v1/infer)"; done
burst=$(ls b*.json | xargs -P 64 -I{} curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' --data-binary @{} $url/v1/infer | sort -n | tail -1)
burst2=$(ls b*.json | xargs -P 64 -I{} curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/json' --data-binary @{} $url/v1/infer | sort -n | tail -1)
kill $pid; wait $pid 2>/dev/null
echo "$label start-to-listening $(echo "$t1 - $t0" | bc) s; sequential(s):$seq_t; burst max $burst s, second burst max $burst2 s; $(grep warmed serve.err)"
