#!/usr/bin/env bash
# Installs every Debian package lpgen needs to build, test and cross-test (run as root or with sudo).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    cmake ninja-build g++ make python3 \
    libhalide14-0-dev llvm-14 \
    libgtest-dev libbenchmark-dev libopenblas-dev libdnnl-dev python3-matplotlib \
    nlohmann-json3-dev libcli11-dev libsqlite3-dev clang-14 libclang-rt-14-dev \
    g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user \
    slurm-wlm munge sqlite3 procps bc \
    >/dev/null
