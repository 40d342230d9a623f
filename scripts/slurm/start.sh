#!/usr/bin/env bash
# Starts a one-machine SLURM cluster on localhost (for the `qed slurm` tests and CI).
#   Debian/Ubuntu: installs slurmctld, slurmd, slurm-client and munge with apt-get when missing.
#   Needs root (slurmd does); jobs may then be submitted by any user.
#   Safe to run again: daemons already running are left alone; ends when the node accepts jobs.
# Environment: QED_SLURM_DIR (default /tmp/qed-slurm) holds config, state, logs and pid files.
set -euo pipefail

DIR=$(readlink -m "${QED_SLURM_DIR:-/tmp/qed-slurm}")
NODE=$(hostname -s)
CONF=$DIR/etc/slurm.conf
log() { echo "[slurm start] $*"; }

# A cluster that already answers (ours from an earlier call, or the site's): nothing to do.
if command -v sinfo >/dev/null 2>&1 && sinfo -h -o '%T' 2>/dev/null | grep -qE 'idle|mixed|alloc'; then
  log "a cluster is already up: $(sinfo -h -o '%P %D %T' | head -1)"; exit 0
fi
if [ "$(id -u)" -ne 0 ]; then echo "[slurm start] needs root (slurmd runs as root)" >&2; exit 1; fi

missing=0
for b in slurmctld slurmd sbatch munged; do command -v "$b" >/dev/null 2>&1 || missing=1; done
if [ $missing = 1 ]; then
  command -v apt-get >/dev/null 2>&1 || { echo "[slurm start] SLURM is not installed and apt-get is absent" >&2; exit 1; }
  log "installing slurmctld slurmd slurm-client munge"
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$DIR"
  pk="slurmctld slurmd slurm-client munge"
  apt-get install -y -q --no-install-recommends $pk >"$DIR/apt.log" 2>&1 \
    || { apt-get update -q >>"$DIR/apt.log" 2>&1 && apt-get install -y -q --no-install-recommends $pk >>"$DIR/apt.log" 2>&1; } \
    || { tail -20 "$DIR/apt.log" >&2; exit 1; }
fi

mkdir -p "$DIR/etc" "$DIR/state/ctld" "$DIR/state/d" "$DIR/run" "$DIR/log"
# The controller refuses state written under another cluster name.
if [ -s "$DIR/state/ctld/clustername" ] && [ "$(cat "$DIR/state/ctld/clustername")" != qedlocal ]; then
  rm -rf "$DIR/state"; mkdir -p "$DIR/state/ctld" "$DIR/state/d"
fi
MEM=$(awk '/^MemTotal:/{printf "%d", $2/1024*0.9}' /proc/meminfo)
# Daemons change directory: every path below is absolute. No cgroups, no accounting daemon.
cat >"$CONF" <<EOF
ClusterName=qedlocal
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
EnforcePartLimits=ALL
ReturnToService=2
KillWait=5
MinJobAge=300
MailProg=/bin/true
StateSaveLocation=$DIR/state/ctld
SlurmdSpoolDir=$DIR/state/d
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.log
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
mkdir -p /etc/slurm
if [ ! -e /etc/slurm/slurm.conf ] || [ -L /etc/slurm/slurm.conf ]; then ln -sfn "$CONF" /etc/slurm/slurm.conf; fi
export SLURM_CONF=$CONF

alive() { [ -s "$1" ] && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$2" ]; }

if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  [ -s /etc/munge/munge.key ] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/log/munge /var/lib/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  cp /run/munge/munged.pid "$DIR/run/munged.pid"
  for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
  log "munged started"
fi
if ! alive "$DIR/run/slurmctld.pid" slurmctld; then
  slurmctld -f "$CONF" || { tail -20 "$DIR/log/slurmctld.log" >&2; exit 1; }
  log "slurmctld started"
fi
if ! alive "$DIR/run/slurmd.pid" slurmd; then
  slurmd -f "$CONF" -N "$NODE" || { tail -20 "$DIR/log/slurmd.log" >&2; exit 1; }
  log "slurmd started"
fi

for _ in $(seq 300); do
  state=$(scontrol -o show node "$NODE" 2>/dev/null | sed -n 's/.*State=\([^ ]*\).*/\1/p')
  case "$state" in
    IDLE*|MIXED*|ALLOCATED*) log "node $NODE is $state (config $CONF)"; exit 0 ;;
    *DRAIN*|DOWN*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  sleep 0.2
done
echo "[slurm start] node $NODE did not become idle (state '$state'); logs in $DIR/log" >&2
exit 1
