#!/usr/bin/env bash
# Stops what scripts/slurm/start.sh started (by the pids it recorded), cancelling jobs first.
set -uo pipefail
DIR=$(readlink -m "${QED_SLURM_DIR:-/tmp/qed-slurm}")
export SLURM_CONF=$DIR/etc/slurm.conf
stop() {
  local f=$DIR/run/$1.pid pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]; then
    kill -TERM "$pid"
    for _ in $(seq 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    [ -d "/proc/$pid" ] && kill -KILL "$pid"
    echo "[slurm stop] $1 ($pid) stopped"
  fi
  rm -f "$f"
}
if [ -s "$DIR/run/slurmctld.pid" ]; then
  jobs=$(squeue -h -o %A 2>/dev/null | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    scancel $jobs 2>/dev/null
    for _ in $(seq 100); do [ -z "$(squeue -h -o %A 2>/dev/null)" ] && break; sleep 0.2; done
  fi
fi
stop slurmd; stop slurmctld; stop munged
