/**
 * The SLURM batch scripts `qed slurm` submits, as text: one generation job (vLLM + `qed run`)
 * and one grading job (`qed eval`, with a vLLM judge served in the job when it is one).
 */

/** Quotes a word for bash. */
export function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface Resources {
  partition?: string;
  account?: string;
  /** SLURM time limit, e.g. 2-00:00:00. */
  time?: string;
  nodes: number;
  /** GPUs per node; 0 asks for none. */
  gpus: number;
}

export interface ServeSpec {
  /** Model id or folder handed to `vllm serve`. */
  model: string;
  revision?: string;
  maxModelLen: number;
  port: number;
  /** The vLLM command (--vllm-command, else $QED_VLLM_COMMAND at launch, else `vllm`); split on spaces. */
  vllmCommand: string;
  /** Seconds to wait for /health. */
  healthTimeout: number;
}

export interface JobSpec {
  kind: 'generate' | 'grade';
  jobName: string;
  resources: Resources;
  /** Absolute folder for the .out/.err logs and the server log. */
  logDir: string;
  /** The folder the job works in (relative paths of the launch). */
  cwd: string;
  /** node + the qed CLI script, absolute. */
  qed: string[];
  /** The arguments after `qed`, e.g. ['run', '--model-config', …]. */
  qedArgs: string[];
  /** The model served in the job; none for an API judge. */
  serve?: ServeSpec;
}

/** The #SBATCH header lines. */
export function sbatchHeader(j: JobSpec): string[] {
  const r = j.resources;
  return [
    `#SBATCH --job-name=${j.jobName}`,
    ...(r.partition ? [`#SBATCH --partition=${r.partition}`] : []),
    ...(r.account ? [`#SBATCH --account=${r.account}`] : []),
    ...(r.time ? [`#SBATCH --time=${r.time}`] : []),
    `#SBATCH --nodes=${r.nodes}`,
    '#SBATCH --ntasks-per-node=1',
    ...(r.gpus > 0 ? [`#SBATCH --gres=gpu:${r.gpus}`] : []),
    `#SBATCH --output=${j.logDir}/${j.kind}-%j.out`,
    `#SBATCH --error=${j.logDir}/${j.kind}-%j.err`,
    // Preempted or lost with its node: SLURM runs it again, and qed resumes where it stopped.
    '#SBATCH --requeue',
  ];
}

/** The vLLM server's command line (after the Ray start-up on several nodes). */
export function vllmArgs(s: ServeSpec, r: Resources): string {
  const parts = [
    '$VLLM',
    'serve',
    sh(s.model),
    '--host 127.0.0.1',
    '--port $PORT',
    `--served-model-name ${sh(s.model)}`,
    `--max-model-len ${s.maxModelLen}`,
    ...(s.revision ? [`--revision ${sh(s.revision)}`] : []),
    ...(r.gpus > 0 ? [`--tensor-parallel-size ${r.gpus}`] : []),
    ...(r.nodes > 1 ? [`--pipeline-parallel-size ${r.nodes}`, '--distributed-executor-backend ray'] : []),
  ];
  return parts.join(' ');
}

/** The whole batch script. */
export function jobScript(j: JobSpec): string {
  const s = j.serve;
  const r = j.resources;
  const L: string[] = ['#!/bin/bash', ...sbatchHeader(j), ''];
  L.push(
    `# Written by 'qed slurm' (${j.kind} job). Resubmitting it resumes: finished rows are kept.`,
    'set -uo pipefail',
    `cd ${sh(j.cwd)} || exit 2`,
    `QED=(${j.qed.map(sh).join(' ')})`,
    `LOG_DIR=${sh(j.logDir)}`,
    'T0=$(date +%s.%N)',
    'say() { echo "qed-slurm: $*" >&2; }',
    'since() { awk -v a="$(date +%s.%N)" -v b="$1" \'BEGIN{printf "%.2f", a-b}\'; }',
    'say "job ${SLURM_JOB_ID:-?} on $(hostname) started${SLURM_RESTART_COUNT:+ (requeued $SLURM_RESTART_COUNT times: resuming)}"',
    'WORK_PID=""',
    'SERVER_PID=""',
    'RAY_PIDS=()',
    '',
    '# Stops the server (its whole process group) and Ray on every way out: success, failure, scancel, time limit.',
    'cleanup() {',
    '  local rc=$?',
    '  trap - EXIT TERM INT',
    '  if [ -n "$WORK_PID" ] && kill -0 "$WORK_PID" 2>/dev/null; then kill -TERM "$WORK_PID" 2>/dev/null; wait "$WORK_PID" 2>/dev/null; fi',
    '  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then',
    '    say "stopping the server (pid $SERVER_PID)"',
    '    kill -TERM -- "-$SERVER_PID" 2>/dev/null || kill -TERM "$SERVER_PID" 2>/dev/null',
    '    for _ in $(seq 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done',
    '    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true',
    '  fi',
  );
  if (s && r.nodes > 1) {
    L.push(
      '  if [ ${#RAY_PIDS[@]} -gt 0 ]; then srun --overlap --nodes="$SLURM_JOB_NUM_NODES" --ntasks-per-node=1 ray stop --force >/dev/null 2>&1; kill "${RAY_PIDS[@]}" 2>/dev/null; fi',
    );
  }
  L.push(
    '  say "job ended with status $rc after $(since "$T0") s"',
    '  exit "$rc"',
    '}',
    'trap cleanup EXIT',
    'trap \'say "signal TERM (scancel, preemption or time limit)"; exit 143\' TERM',
    "trap 'exit 130' INT",
    '',
  );
  if (s) {
    L.push(
      `VLLM=${sh(s.vllmCommand)}`,
      `PORT=${s.port}`,
      'SERVER_LOG="$LOG_DIR/vllm-' + j.kind + '-${SLURM_JOB_ID:-local}.log"',
      `HEALTH_TIMEOUT=${s.healthTimeout}`,
      'healthy() {',
      '  if command -v curl >/dev/null 2>&1; then curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$PORT/health"',
      '  else "${QED[0]}" -e "fetch(\'http://127.0.0.1:$PORT/health\').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; fi',
      '}',
      'if healthy; then say "port $PORT already answers /health: another server runs there; choose another --port"; exit 3; fi',
      '',
    );
    if (r.nodes > 1) {
      L.push(
        '# Several nodes: a Ray head on the first node, a Ray worker on each other one, then vLLM on the head.',
        'NODES=($(scontrol show hostnames "$SLURM_JOB_NODELIST"))',
        'HEAD=${NODES[0]}',
        'HEAD_IP=$(srun --overlap --nodes=1 --ntasks=1 -w "$HEAD" hostname --ip-address | awk \'{print $1}\')',
        'RAY_PORT=6379',
        'say "Ray head on $HEAD ($HEAD_IP:$RAY_PORT), workers on ${NODES[*]:1}"',
        `srun --overlap --nodes=1 --ntasks=1 -w "$HEAD" ray start --head --node-ip-address="$HEAD_IP" --port=$RAY_PORT --num-gpus=${r.gpus} --block >"$LOG_DIR/ray-head-\${SLURM_JOB_ID}.log" 2>&1 &`,
        'RAY_PIDS+=($!)',
        'sleep 10',
        'for node in "${NODES[@]:1}"; do',
        `  srun --overlap --nodes=1 --ntasks=1 -w "$node" ray start --address="$HEAD_IP:$RAY_PORT" --num-gpus=${r.gpus} --block >"$LOG_DIR/ray-worker-$node-\${SLURM_JOB_ID}.log" 2>&1 &`,
        '  RAY_PIDS+=($!)',
        'done',
        'for _ in $(seq 60); do',
        '  [ "$(ray status --address="$HEAD_IP:$RAY_PORT" 2>/dev/null | grep -c "node_")" -ge "${#NODES[@]}" ] && break',
        '  sleep 5',
        'done',
        'export RAY_ADDRESS="$HEAD_IP:$RAY_PORT"',
        'say "Ray cluster: $(ray status --address="$HEAD_IP:$RAY_PORT" 2>/dev/null | grep -c "node_") of ${#NODES[@]} nodes"',
        '',
      );
    }
    L.push(
      'T_SERVE=$(date +%s.%N)',
      `say "starting: ${vllmArgs(s, r)}"`,
      `setsid ${vllmArgs(s, r)} >"$SERVER_LOG" 2>&1 &`,
      'SERVER_PID=$!',
      'deadline=$((SECONDS + HEALTH_TIMEOUT))',
      'until healthy; do',
      '  if ! kill -0 "$SERVER_PID" 2>/dev/null; then',
      '    wait "$SERVER_PID"; src=$?',
      '    say "the vLLM server exited (status $src) before it was ready; last lines of $SERVER_LOG:"',
      '    tail -n 20 "$SERVER_LOG" | sed "s/^/  | /" >&2',
      '    exit 3',
      '  fi',
      '  if [ "$SECONDS" -ge "$deadline" ]; then',
      '    say "the vLLM server did not answer /health within ${HEALTH_TIMEOUT}s; last lines of $SERVER_LOG:"',
      '    tail -n 20 "$SERVER_LOG" | sed "s/^/  | /" >&2',
      '    exit 3',
      '  fi',
      '  sleep 0.5',
      'done',
      'say "server ready on port $PORT after $(since "$T_SERVE") s"',
      '',
    );
  }
  L.push(
    'T_QED=$(date +%s.%N)',
    `"\${QED[@]}" ${j.qedArgs.map(sh).join(' ')} &`,
    'WORK_PID=$!',
    'wait "$WORK_PID"; rc=$?',
    'WORK_PID=""',
    `say "qed ${j.kind === 'generate' ? 'run' : 'eval'} ended with status $rc after $(since "$T_QED") s (job so far $(since "$T0") s)"`,
    'exit "$rc"',
    '',
  );
  return L.join('\n');
}
