#!/bin/sh
# SPDX-License-Identifier: MIT
# One epoch of the Fashion-MNIST MLP (784-256-10, batch 128, 60,000 images) with 1 thread,
# 2 threads and 2 MPI ranks: the wall seconds of the epoch and the share spent reducing
# gradients, as fashion_mnist prints them. Usage: bench/data_parallel.sh [BUILD_DIR] [extra flags]
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
exe="$build/examples/fashion_mnist"
# Open MPI refuses root without these; they are harmless otherwise.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mlp() {  # the MLP's lines: its epoch and its reduction share
  sed -n '/^MLP 784/,$p' | grep -E 'epoch|reducing|^MLP:' | sed 's/^/    /'
}
echo "1 thread:";  "$exe" --epochs 1 --data-parallel none "$@" | mlp
echo "2 threads:"; "$exe" --epochs 1 --threads 2 "$@" | mlp
if command -v mpirun >/dev/null; then
  echo "2 MPI ranks:"; mpirun -np 2 --oversubscribe "$exe" --epochs 1 --data-parallel mpi "$@" | mlp
fi
