#!/usr/bin/env bash
# submit.sh — submit sweep.sbatch as a job array and merge.sbatch to run
# after it has succeeded; print both job ids.
#
#   examples/slurm/submit.sh SWEEP.yaml [OUT] [extra sbatch options for the array...]
#   examples/slurm/submit.sh my.yaml /scratch/me/out --array=0-15 --cpus-per-task=8
#
# STAKESIM (default: stakesim on PATH) is passed to both jobs. SWEEP and OUT
# are made absolute, so the jobs can run in any working directory.
set -euo pipefail

if (($# < 1)); then
	echo "usage: $0 SWEEP.yaml [OUT] [sbatch options for the array...]" >&2
	exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sweep=$(realpath "$1")
out=$(realpath -m "${2:-sweep-out}")
shift
if (($# > 0)); then shift; fi
stakesim=${STAKESIM:-stakesim}
# A path (not a bare command name) is made absolute for the same reason.
if [[ $stakesim == */* ]]; then stakesim=$(realpath "$stakesim"); fi
[[ -r $sweep ]] || {
	echo "submit.sh: cannot read $sweep" >&2
	exit 2
}
mkdir -p "$out"

# The output of each job goes to OUT: the logs sit next to the shards.
array_id=$(sbatch --parsable --chdir="$out" "$@" \
	--export=ALL,SWEEP="$sweep",OUT="$out",STAKESIM="$stakesim" "$here/sweep.sbatch")
array_id=${array_id%%;*} # --parsable prints JOBID[;CLUSTER]
merge_id=$(sbatch --parsable --chdir="$out" --dependency=afterok:"$array_id" \
	--export=ALL,OUT="$out",STAKESIM="$stakesim" "$here/merge.sbatch")
merge_id=${merge_id%%;*}

echo "array job: $array_id (squeue -j $array_id; logs in $out/stakesim-sweep-${array_id}_*.out)"
echo "merge job: $merge_id (runs after the array succeeds; results in $out/merged)"
