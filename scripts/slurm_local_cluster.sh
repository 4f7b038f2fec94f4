#!/bin/sh
# A one-machine Slurm cluster for tests: munged, slurmctld and slurmd "nodes", all on this
# machine, all state and logs under DIR, talking only to 127.0.0.1. Partition "boards" has nodes
# n1..nN, one job each at a time; partition "builds" has b1..bM, shared by up to 4 jobs.
#   slurm_local_cluster.sh start DIR [N [M]]   prints the SLURM_CONF to export (N 2, M 0 unless given)
#   slurm_local_cluster.sh kill-node DIR NODE  kills that node's slurmd and the steps it runs
#   slurm_local_cluster.sh running DIR NODE    true while a step's process runs on that node
#   slurm_local_cluster.sh stop DIR
# Needs Debian's slurm-wlm and munge.
set -eu
cmd=$1 dir=$2
case "$cmd" in
start)
    nodes=${3:-2} builders=${4:-0}
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
        names=n1
        i=2
        while [ "$i" -le "$nodes" ]; do names="$names,n$i"; i=$((i + 1)); done
        echo "PartitionName=boards Nodes=$names Default=YES MaxTime=INFINITE State=UP OverSubscribe=EXCLUSIVE"
        if [ "$builders" -gt 0 ]; then
            i=1
            while [ "$i" -le "$builders" ]; do
                echo "NodeName=b$i NodeHostname=localhost NodeAddr=127.0.0.1 Port=$((base + 1 + nodes + i)) CPUs=$cpus State=UNKNOWN"
                builds="${builds:+$builds,}b$i"
                i=$((i + 1))
            done
            echo "PartitionName=builds Nodes=$builds MaxTime=INFINITE State=UP OverSubscribe=FORCE:4"
        fi
    } > "$dir/slurm.conf"
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$dir/slurm.conf"
    all=$(seq -f 'n%g' 1 "$nodes")
    [ "$builders" -gt 0 ] && all="$all $(seq -f 'b%g' 1 "$builders")"
    for node in $all; do
        mkdir -p "$dir/spool/$node"
        slurmd -f "$dir/slurm.conf" -N "$node"
    done
    # Up when every node is idle.
    tries=0
    until [ "$(sinfo -h -t idle -N -o '%N' 2>/dev/null | sort -u | wc -l)" = "$((nodes + builders))" ]; do
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
    # slurmd, then each process of a step it started (they carry the node's name) and its
    # slurmstepd, as if the machine had died.
    # The slurmstepd first, so that nothing is left to report the task's end.
    kill -KILL "$pid"
    tasks=$(grep -l "SLURMD_NODENAME=$node\b" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3)
    for task in $tasks; do
        parent=$(ps -o ppid= "$task" 2>/dev/null | tr -d ' ')
        case "$(ps -o comm= "$parent" 2>/dev/null)" in slurmstepd) kill -KILL "$parent" 2>/dev/null || true ;; esac
    done
    for task in $tasks; do kill -KILL "$task" 2>/dev/null || true; done
    ;;
running)
    grep -q "SLURMD_NODENAME=$3\b" /proc/[0-9]*/environ 2>/dev/null
    ;;
stop)
    export SLURM_CONF="$dir/slurm.conf"
    for f in "$dir"/slurmd.*.pid "$dir/slurmctld.pid"; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    munged --stop --socket="$dir/munge.socket" 2>/dev/null || { [ -f "$dir/munged.pid" ] && kill "$(cat "$dir/munged.pid")" 2>/dev/null; } || true
    ;;
esac
