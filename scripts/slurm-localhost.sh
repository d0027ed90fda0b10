#!/usr/bin/env bash
# A single-node Slurm cluster on 127.0.0.1 for ScaleLab's Slurm tests and CI (Debian/Ubuntu, root,
# no systemd needed): munged, slurmctld and slurmd started directly, no cgroups, no accounting.
#
#   scripts/slurm-localhost.sh start   install (apt) if needed, write slurm.conf, start, wait for an idle node
#   scripts/slurm-localhost.sh stop    cancel this cluster's jobs, stop the daemons it started
#   scripts/slurm-localhost.sh status
#
# start is idempotent. State, logs and pid files live in $SLURM_LOCALHOST_DIR (default
# /tmp/scalelab-slurm). /etc/slurm/slurm.conf is overwritten (a foreign one is kept as .orig).
set -euo pipefail

DIR=${SLURM_LOCALHOST_DIR:-/tmp/scalelab-slurm}
CONF=/etc/slurm/slurm.conf
TAG="# scalelab slurm-localhost"
log() { printf '[slurm-localhost] %s\n' "$*" >&2; }
fail() { log "error: $*"; exit 1; }
# Alive and not a zombie (a slow init leaves exited daemons as zombies for a while).
running() { local pid; pid=$(cat "$1" 2>/dev/null) || return 1; [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
            && ! grep -q ') Z ' "/proc/$pid/stat" 2>/dev/null; }
host() { hostname -s; }

install_packages() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null \
    && command -v munged >/dev/null && return 0
  [ "$(id -u)" = 0 ] || fail "installing Slurm needs root"
  export DEBIAN_FRONTEND=noninteractive
  for attempt in 1 2 3; do   # dpkg has been seen to fail once on a freshly fetched .deb, then succeed
    apt-get update -qq && apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null && return 0
    log "apt-get failed (attempt $attempt)"; dpkg --configure -a || true; sleep 2
  done
  fail "could not install slurmctld slurmd slurm-client munge"
}

start_munge() {
  if running /run/munge/munged.pid; then return 0; fi
  [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key 2>/dev/null \
    || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown -R munge:munge /etc/munge; chmod 700 /etc/munge; chmod 600 /etc/munge/munge.key
  install -d -o munge -g munge -m 755 /run/munge          # systemd would create it
  install -d -o munge -g munge -m 700 /var/lib/munge /var/log/munge
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do running /run/munge/munged.pid && break; sleep 0.1; done
  running /run/munge/munged.pid || fail "munged did not start (/var/log/munge/munged.log)"
  touch "$DIR/munged.started-here"
  munge -n | unmunge >/dev/null || fail "munge credential round trip failed"
}

write_conf() {
  local hw cpus mem layout
  hw=$(slurmd -C 2>/dev/null | head -1)
  get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$hw"; }
  cpus=$(get CPUs); cpus=${cpus:-$(nproc)}
  mem=$(get RealMemory); mem=$(( ${mem:-$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)} * 9 / 10 ))
  layout="CPUs=$cpus"
  if [ -n "$(get SocketsPerBoard)" ] && [ -n "$(get CoresPerSocket)" ] && [ -n "$(get ThreadsPerCore)" ]; then
    layout="$layout Sockets=$(get SocketsPerBoard) CoresPerSocket=$(get CoresPerSocket) ThreadsPerCore=$(get ThreadsPerCore)"
  fi
  mkdir -p /etc/slurm
  if [ -f "$CONF" ] && ! grep -qF "$TAG" "$CONF" && [ ! -e "$CONF.orig" ]; then cp -p "$CONF" "$CONF.orig"; fi
  cat >"$CONF" <<CONF
$TAG
ClusterName=scalelab
SlurmctldHost=$(host)(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
# No cgroups anywhere (containers and VMs without a delegated cgroup tree), no slurmdbd.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
# Cores are what tasks ask for; memory is requested (--mem) but not a consumable.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
ReturnToService=2
MinJobAge=3600
MaxArraySize=10001
MaxJobCount=100000
KillWait=5
NodeName=$(host) NodeAddr=127.0.0.1 $layout RealMemory=$mem State=UNKNOWN
PartitionName=local Nodes=$(host) Default=YES MaxTime=INFINITE State=UP
CONF
}

start() {
  install_packages
  mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log"
  start_munge
  if ! running "$DIR/slurmctld.pid" && ! running "$DIR/slurmd.pid"; then write_conf; fi
  if ! running "$DIR/slurmctld.pid"; then
    slurmctld || fail "slurmctld did not start ($DIR/log/slurmctld.log)"
    for _ in $(seq 150); do scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
    scontrol ping 2>/dev/null | grep -q UP || fail "slurmctld does not answer ($DIR/log/slurmctld.log)"
  fi
  if ! running "$DIR/slurmd.pid"; then
    slurmd || fail "slurmd did not start ($DIR/log/slurmd.log)"
  fi
  local state=""
  for i in $(seq 300); do
    state=$(sinfo -h -n "$(host)" -o %T 2>/dev/null | head -1)
    case "$state" in
      idle|mixed|allocated|completing) log "ready: node $(host) is $state (partition local)"; return 0 ;;
      down*|drain*) [ $((i % 10)) = 1 ] && scontrol update NodeName="$(host)" State=RESUME 2>/dev/null || true ;;
    esac
    sleep 0.2
  done
  fail "node $(host) is '$state', not idle ($DIR/log/slurmd.log)"
}

stop_daemon() {
  local pid; running "$1" || { rm -f "$1"; return 0; }
  pid=$(cat "$1"); kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null && ! grep -q ') Z ' "/proc/$pid/stat" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && ! grep -q ') Z ' "/proc/$pid/stat" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1"
}

stop() {
  if running "$DIR/slurmctld.pid"; then
    local jobs; jobs=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
    # shellcheck disable=SC2086
    [ -z "${jobs// /}" ] || scancel $jobs 2>/dev/null || true
  fi
  stop_daemon "$DIR/slurmd.pid"
  stop_daemon "$DIR/slurmctld.pid"
  if [ -e "$DIR/munged.started-here" ]; then stop_daemon /run/munge/munged.pid; rm -f "$DIR/munged.started-here"; fi
  log "stopped"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) for f in /run/munge/munged.pid "$DIR/slurmctld.pid" "$DIR/slurmd.pid"; do
            if running "$f"; then echo "$(basename "$f" .pid) running"; else echo "$(basename "$f" .pid) stopped"; fi; done
          running "$DIR/slurmctld.pid" && sinfo || true ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
