#!/bin/sh
# A one-machine Slurm cluster for tests: munged, slurmctld and N slurmd "nodes" (n1..nN), all on
# this machine, all state and logs under DIR, talking only to 127.0.0.1.
#   slurm_local_cluster.sh start DIR [NODES]   prints the SLURM_CONF to export; partition "boards"
#   slurm_local_cluster.sh kill-node DIR NODE  kills that node's slurmd and the steps it runs
#   slurm_local_cluster.sh stop DIR
# Needs Debian's slurm-wlm and munge.
set -eu
cmd=$1 dir=$2
case "$cmd" in
start)
    nodes=${3:-2}
    mkdir -p "$dir/state" "$dir/log"
    dir=$(cd "$dir" && pwd)
    base=$(( 20000 + ($$ % 2000) * 10 ))
    user=$(id -un)
    mungekey --create --keyfile="$dir/munge.key" --force 2>/dev/null || dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 2>/dev/null
    chmod 600 "$dir/munge.key"
    munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
        --seed-file="$dir/munge.seed" --log-file="$dir/log/munged.log"
    cpus=$(nproc)
    {
        echo "ClusterName=lpgentest"
        echo "SlurmctldHost=localhost(127.0.0.1)"
        echo "SlurmctldPort=$base"
        echo "SlurmdPort=$((base + 1))"
        echo "SlurmUser=$user"
        echo "SlurmdUser=$user"
        echo "AuthType=auth/munge"
        echo "CredType=cred/munge"
        echo "AuthInfo=socket=$dir/munge.socket"
        echo "StateSaveLocation=$dir/state"
        echo "SlurmdSpoolDir=$dir/spool/%n"
        echo "SlurmctldPidFile=$dir/slurmctld.pid"
        echo "SlurmdPidFile=$dir/slurmd.%n.pid"
        echo "SlurmctldLogFile=$dir/log/slurmctld.log"
        echo "SlurmdLogFile=$dir/log/slurmd.%n.log"
        echo "ProctrackType=proctrack/pgid"
        echo "TaskPlugin=task/none"
        echo "SelectType=select/linear"
        echo "SchedulerType=sched/builtin"
        echo "MpiDefault=none"
        echo "ReturnToService=2"
        echo "SlurmdTimeout=5"
        echo "SlurmctldTimeout=10"
        echo "MessageTimeout=5"
        echo "KillWait=2"
        echo "InactiveLimit=0"
        echo "MinJobAge=30"
        echo "OverTimeLimit=0"
        echo "JobAcctGatherType=jobacct_gather/none"
        echo "AccountingStorageType=accounting_storage/none"
        echo "PreemptType=preempt/none"
        i=1
        while [ "$i" -le "$nodes" ]; do
            echo "NodeName=n$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((base + 1 + i)) CPUs=$cpus State=UNKNOWN"
            i=$((i + 1))
        done
        echo "PartitionName=boards Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=EXCLUSIVE"
    } > "$dir/slurm.conf"
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$dir/slurm.conf"
    i=1
    while [ "$i" -le "$nodes" ]; do
        mkdir -p "$dir/spool/n$i"
        slurmd -f "$dir/slurm.conf" -N "n$i"
        i=$((i + 1))
    done
    # Up when every node is idle.
    tries=0
    until [ "$(sinfo -h -p boards -t idle -o '%D' 2>/dev/null)" = "$nodes" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 60 ]; then
            echo "slurm_local_cluster: the nodes did not come up; logs in $dir/log" >&2
            sinfo -N >&2 || true
            exit 1
        fi
        sleep 0.5
    done
    echo "$dir/slurm.conf"
    ;;
kill-node)
    node=$3
    pid=$(cat "$dir/slurmd.$node.pid")
    # slurmd and the slurmstepd of each step it started, with the steps' processes.
    for step in $(pgrep -f "slurmstepd: \[[0-9.]*\]" || true); do
        if grep -q "$node" "/proc/$step/environ" 2>/dev/null; then pkill -KILL -g "$(ps -o pgid= "$step" | tr -d ' ')" 2>/dev/null || true; fi
    done
    kill -KILL "$pid"
    ;;
stop)
    export SLURM_CONF="$dir/slurm.conf"
    for f in "$dir"/slurmd.*.pid "$dir/slurmctld.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    munged --stop --socket="$dir/munge.socket" 2>/dev/null || { [ -f "$dir/munged.pid" ] && kill "$(cat "$dir/munged.pid")" 2>/dev/null; } || true
    ;;
esac
