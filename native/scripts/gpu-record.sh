#!/usr/bin/env bash
# For the day a GPU host is lent (it has the driver and nvidia-smi, no JDK): records what NVML
# answers, through nvidia-smi (which reads NVML), in the JSON RecordedNvml reads, in NVML's own
# units (bytes, milliwatts, MHz, CUDA version as 1000*major + 10*minor). Copy the output into
# native/src/test/resources/dev/vigil/gpu/ and GpuInventoryTest maps a real recording; run
# `vigil gpu` there (with a JDK) to compare against the same device.
#   native/scripts/gpu-record.sh > h100-recorded.json
set -euo pipefail
command -v nvidia-smi >/dev/null || { echo "no nvidia-smi on this host: nothing to record" >&2; exit 1; }
driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -1 | tr -d ' ')
cuda=$(nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -1)
cuda_code=$(( ${cuda% *} * 1000 + ${cuda#* } * 10 ))
num() { [[ "$1" =~ ^[0-9.]+$ ]] && echo "$1" || echo '{"error": 3}'; }
echo "{"
echo "  \"source\": \"nvidia-smi on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)\","
echo "  \"driver_version\": \"$driver\","
echo "  \"cuda_driver_version\": $cuda_code,"
echo "  \"devices\": ["
first=1
nvidia-smi --query-gpu=name,uuid,memory.total,memory.used,compute_cap,utilization.gpu,utilization.memory,temperature.gpu,power.draw,clocks.sm,clocks.mem,ecc.errors.corrected.volatile.total,ecc.errors.uncorrected.volatile.total \
    --format=csv,noheader,nounits | while IFS=',' read -r name uuid mt mu cc ug um temp power csm cmem eccc eccu; do
  trim() { echo "$1" | sed 's/^ *//; s/ *$//'; }
  name=$(trim "$name"); uuid=$(trim "$uuid"); cc=$(trim "$cc")
  mt=$(trim "$mt"); mu=$(trim "$mu"); power=$(trim "$power")
  [[ $first -eq 1 ]] || echo "    ,"
  first=0
  power_mw=$( [[ "$power" =~ ^[0-9.]+$ ]] && awk "BEGIN{printf \"%d\", $power*1000}" || echo '{"error": 3}')
  cat <<JSON
    {"name": "$name", "uuid": "$uuid", "memory": [$(( $mt * 1048576 )), $(( $mu * 1048576 ))], "compute_capability": [${cc%.*}, ${cc#*.}],
     "utilization": [$(num "$(trim "$ug")"), $(num "$(trim "$um")")], "temperature": $(num "$(trim "$temp")"), "power_mw": $power_mw,
     "clock_sm": $(num "$(trim "$csm")"), "clock_mem": $(num "$(trim "$cmem")"),
     "ecc_corrected": $(num "$(trim "$eccc")"), "ecc_uncorrected": $(num "$(trim "$eccu")")}
JSON
done
echo "  ]"
echo "}"
