#!/usr/bin/env bash
# GPU check for the tensorflow-gpu backend, for a Linux x86_64 machine with an NVIDIA GPU and driver (it cannot run
# where there is none, so until someone has run it, GPU support is unverified; see README). From a fresh clone:
#   bench/gpu-check.sh
# 1. sets up tensorflow-gpu (tfjs-node-gpu built against the full tensorflow wheel, CUDA from its nvidia-*-cu12
#    wheels), 2. confirms the tensorflow backend reports device gpu and runs a matMul, 3. runs the demo campaign on it,
# 4. prints timings and the demo lineage's environment. Exit code 0 only when all of that worked.
set -euo pipefail
cd "$(dirname "$0")/.."
export FAIRSHRINK_TFJS_BACKEND=tensorflow FAIRSHRINK_TENSORFLOW_BUILD=tensorflow-gpu AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
seconds() { date +%s.%N; }

nvidia-smi -L
t0=$(seconds)
node infra/bootstrap.mjs
node --import tsx infra/setup.ts --backend tensorflow-gpu
t1=$(seconds)

node --import tsx --input-type=module -e "
  import * as tf from '@tensorflow/tfjs';
  import { initBackend } from './core/model/backend.ts';
  const info = await initBackend('tensorflow');
  const a = tf.randomNormal([2048, 2048], 0, 1, 'float32', 1);
  tf.matMul(a, a).dataSync();
  const started = performance.now();
  for (let i = 0; i < 20; i++) tf.matMul(a, a).dataSync();
  const ms = (performance.now() - started) / 20;
  console.log(JSON.stringify({ ...info, matMul2048Ms: Number(ms.toFixed(2)) }));
  if (info.device !== 'gpu') { console.error('gpu-check: the tensorflow backend is not on the GPU'); process.exit(1); }
"
t2=$(seconds)

demo_log=$(mktemp)
node bin/fairshrink.js demo 2>&1 | tee "$demo_log"
t3=$(seconds)
campaign=$(grep -oE 'demo-[A-Za-z0-9-]+' "$demo_log" | head -1)
node --import tsx --input-type=module -e "
  import { connectionSettings } from './core/config/connection.ts';
  import { openStore } from './cli/commands/campaign.ts';
  const store = openStore(connectionSettings());
  const { bytes } = await store.getByKey('campaigns/${campaign}/lineage.json');
  console.log(JSON.stringify(JSON.parse(Buffer.from(bytes).toString()).environment, null, 2));
" || echo "gpu-check: read the lineage with: fairshrink status ${campaign} --json"
node bin/fairshrink.js down

awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" 'BEGIN {
  printf "gpu-check: setup %.1f s, device check %.1f s, demo %.1f s\n", b - a, c - b, d - c }'
