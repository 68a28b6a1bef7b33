#!/usr/bin/env bash
# Fuzzes the receiver's parsers with libFuzzer + address sanitizer: each target of Fuzz/receiver (see FuzzTarget.swift)
# for SECONDS (default 120), one after another, niced, on one core. Seeds are written below; corpora grow in
# .inlet/fuzz-receiver/<target>/corpus and crashes land in .inlet/fuzz-receiver/<target>/crash-* (reproduce:
# INLET_FUZZ_TARGET=<target> Fuzz/receiver/.build/debug/ReceiverFuzz <file>).
#
#   bash Fuzz/run-receiver-fuzz.sh 120                      # every target, 2 minutes each
#   bash Fuzz/run-receiver-fuzz.sh 300 stripe-signature     # one target
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
seconds=${1:-120}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(stripe-signature paddle-signature standard-webhooks-signature prefixed-hex-signature twilio-form-parameters
           bounded-json linear-webhook-timestamp batch-splitter delivery-attribute-reader)
fi
work=$root/.inlet/fuzz-receiver
export PATH=$PATH:/opt/swift/usr/bin

echo "building the fuzz targets (libFuzzer + address sanitizer)..." >&2
swift build --package-path "$root/Fuzz/receiver" --product ReceiverFuzz -Xswiftc -sanitize=fuzzer,address >&2
fuzzer=$(swift build --package-path "$root/Fuzz/receiver" --show-bin-path)/ReceiverFuzz

# A few well-formed inputs per target, so mutation starts from the grammar rather than from nothing.
# The header and the body of one input are separated by a NUL byte (see FuzzInput).
seed() { mkdir -p "$work/$1/seeds"; printf '%b' "$3" > "$work/$1/seeds/$2"; }
seed stripe-signature valid 't=1700000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=abc\0{"id":"evt_1"}'
seed stripe-signature odd 't=,t=12,v1=zz,=,,v1=\0'
seed paddle-signature valid 'ts=1700000000;h1=eb4d0dc8853be92b7f063b9f3ba5233eb920a09459b6e6b2c26705b4364db151\0{"event_id":"evt_1"}'
seed standard-webhooks-signature valid 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1a,AAAA v2,x\0{"type":"a"}'
seed standard-webhooks-signature timestamp '1700000000\0{}'
seed prefixed-hex-signature github 'sha256=0000000000000000000000000000000000000000000000000000000000000000\0{"zen":"x"}'
seed prefixed-hex-signature slack 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503\0token=x&team_id=T1'
seed twilio-form-parameters form 'https://inlet.example/t?bodySHA256=abc&x=1\0CallSid=CA1&From=%2B15551234567&Body=hello+world&Body=%ZZ&=&x'
seed bounded-json mailgun '{"signature":{"timestamp":"1700000000","token":"abc","signature":"00"},"event-data":{"event":"delivered","n":[1,-2.5e3,true,null,"\\u00e9\\ud83d\\ude00"]}}'
seed linear-webhook-timestamp plain '{"action":"create","webhookTimestamp":1700000000000,"data":{"id":"a"}}'
seed linear-webhook-timestamp escaped '{"webhook\\u0054imestamp":1.5,"x":[{"y":"}"}],"webhookTimestamp":12}'
seed batch-splitter hubspot '[{"eventId":1,"subscriptionType":"contact.creation","occurredAt":1700000000000},{"eventId":2,"subscriptionType":"deal.deletion"}]'
seed batch-splitter okta '{"eventType":"com.okta.event_hook","data":{"events":[{"uuid":"u1","eventType":"user.session.start","published":"2024-01-01T00:00:00Z"}]}}'
seed batch-splitter graph '{"value":[{"subscriptionId":"s","changeType":"created","resource":"r","clientState":"c","tenantId":"t"}]}'
seed batch-splitter sendgrid '[{"sg_event_id":"e1","event":"delivered","timestamp":1700000000}]'
seed delivery-attribute-reader stripe 'evt_header\0{"id":"evt_1","type":"invoice.paid","created":1700000000,"data":{"object":{}}}'
seed delivery-attribute-reader form 'CA1\0CallSid=CA1&CallStatus=completed&MessageSid=SM1'

status=0
for target in "${targets[@]}"; do
  mkdir -p "$work/$target/corpus" "$work/$target/seeds"
  cd "$work/$target"
  start=$(date +%s)
  set +e
  # detect_leaks=0: the only "leaks" are never-freed static globals (verifiers, keys), reported at exit.
  INLET_FUZZ_TARGET=$target ASAN_OPTIONS=detect_leaks=0 nice -n 10 "$fuzzer" -max_total_time="$seconds" -max_len=4096 \
    -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 -artifact_prefix="$work/$target/" -print_final_stats=1 corpus seeds \
    > "$work/$target/log.txt" 2>&1
  code=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target/log.txt" | grep -o '[0-9]*$' || echo "?")
  echo "$target: $(( $(date +%s) - start )) s, $runs inputs, exit status $code (0 = no crash)" >&2
  if [ "$code" -ne 0 ]; then tail -n 30 "$work/$target/log.txt" >&2; status=$code; fi
done
echo "artifacts and logs in $work" >&2
exit "$status"
