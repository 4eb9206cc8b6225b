#!/usr/bin/env bash
# cluster.sh — a single-node Slurm cluster on this machine, for trying
# `stakesim sweep` job arrays and for the CI test (slurm_test.go).
#
#   cluster.sh start    install the packages if missing, start munged,
#                       slurmctld and slurmd, wait until the node is idle
#   cluster.sh stop     stop exactly the daemons that `start` started
#   cluster.sh status   say what runs (exit 0 running, 3 stopped, 1 partly)
#
# It is meant for Debian (bookworm: Slurm 22.05), run as root, on a machine
# without systemd. Everything it writes lives in one state directory
# (default /run/stakesim-slurm; set STAKESIM_SLURM_STATE to move it): its own
# slurm.conf, a munge key and socket, the controller's state, the spool, the
# logs and the PIDs of the daemons it started. It never touches
# /etc/slurm/slurm.conf or a munged started by someone else: the daemons and
# the clients find the configuration through SLURM_CONF, which `start` prints
# as its only line on stdout:
#
#   eval "$(examples/slurm/cluster.sh start)"   # exports SLURM_CONF
#   sbatch --wait --array=0-3 ... && examples/slurm/cluster.sh stop
#
# Ports: STAKESIM_SLURMCTLD_PORT (default 6817) and STAKESIM_SLURMD_PORT
# (default 6818). STAKESIM_SLURM_TIMEOUT (seconds, default 60) bounds the
# wait for the cluster to come up.
set -euo pipefail

STATE=${STAKESIM_SLURM_STATE:-/run/stakesim-slurm}
CTLD_PORT=${STAKESIM_SLURMCTLD_PORT:-6817}
SLURMD_PORT=${STAKESIM_SLURMD_PORT:-6818}
TIMEOUT=${STAKESIM_SLURM_TIMEOUT:-60}
CONF=$STATE/slurm.conf
MUNGE_DIR=$STATE/munge
MUNGE_SOCKET=$MUNGE_DIR/munge.socket.2
LOG_DIR=$STATE/log
PID_DIR=$STATE/pids

# The daemons, in start order. stop goes in the reverse order.
DAEMONS=(munged slurmctld slurmd)

log() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# alive NAME: true when the PID recorded for NAME is a live process whose
# command is NAME. Checking the command guards against a recycled PID, so
# that stop never signals a process that is not ours.
alive() {
	local name=$1 pid state comm
	[[ -r $PID_DIR/$name.pid ]] || return 1
	pid=$(<"$PID_DIR/$name.pid")
	[[ $pid =~ ^[0-9]+$ ]] || return 1
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[[ $comm == "$name" ]] || return 1
	# A zombie has exited; it only waits for its parent to reap it.
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || return 1
	[[ $state != Z ]]
}

# running_count prints how many of the daemons are alive.
running_count() {
	local n=0 d
	for d in "${DAEMONS[@]}"; do
		if alive "$d"; then n=$((n + 1)); fi
	done
	echo "$n"
}

# install_packages installs Slurm and munge from Debian when a binary is
# missing. apt-get update runs only when the install fails without it, as
# it is slow and usually not needed on a machine with fresh lists.
install_packages() {
	local missing=0 b
	for b in munged slurmctld slurmd sbatch scontrol sinfo setpriv; do
		command -v "$b" >/dev/null 2>&1 || missing=1
	done
	[[ $missing == 1 ]] || return 0
	[[ $EUID == 0 ]] || die "Slurm is not installed and installing it needs root"
	local pkgs=(slurmctld slurmd slurm-client munge)
	log "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	if ! apt-get install -y --no-install-recommends "${pkgs[@]}" >&2; then
		log "install failed; running apt-get update and retrying"
		apt-get update >&2
		apt-get install -y --no-install-recommends "${pkgs[@]}" >&2
	fi
	for b in munged slurmctld slurmd sbatch scontrol sinfo setpriv; do
		command -v "$b" >/dev/null 2>&1 || die "$b is still missing after the install"
	done
}

# write_config makes the state directory and writes slurm.conf. The
# plugins are the ones that work without cgroups or systemd.
write_config() {
	id munge >/dev/null 2>&1 || die "no munge user (is the munge package installed?)"
	id slurm >/dev/null 2>&1 || die "no slurm user (is the slurmctld package installed?)"
	mkdir -p "$STATE" "$LOG_DIR" "$PID_DIR" "$STATE/ctld" "$STATE/spool" "$STATE/run" "$MUNGE_DIR"
	# munged runs as munge and slurmctld as slurm: both must be able to
	# reach their files through the state directory.
	chmod 0755 "$STATE" "$LOG_DIR" "$STATE/run"
	chmod 0700 "$PID_DIR" "$STATE/spool"
	# munged wants its socket directory searchable by everyone (clients
	# connect as any user); the key inside stays 0600.
	chown munge:munge "$MUNGE_DIR"
	chmod 0755 "$MUNGE_DIR"
	chown slurm:slurm "$STATE/ctld"
	chmod 0700 "$STATE/ctld"
	# Each start begins fresh logs, so that a failure shows this start's.
	rm -f "$LOG_DIR"/*.log "$LOG_DIR"/*.out
	touch "$LOG_DIR/munged.log" "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log"
	chown munge:munge "$LOG_DIR/munged.log"
	chown slurm:slurm "$LOG_DIR/slurmctld.log"

	# Our own munge key, so that nothing depends on /etc/munge. munged
	# refuses a key that is readable by others or not owned by munge.
	if [[ ! -s $MUNGE_DIR/munge.key ]]; then
		(umask 077 && dd if=/dev/urandom of="$MUNGE_DIR/munge.key" bs=1024 count=1 status=none)
	fi
	chown munge:munge "$MUNGE_DIR/munge.key"
	chmod 0600 "$MUNGE_DIR/munge.key"

	local host
	host=$(hostname -s)
	cat >"$CONF.tmp" <<EOF
# Written by examples/slurm/cluster.sh; rewritten on every start.
ClusterName=stakesim
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
PlugStackConfig=$STATE/plugstack.conf
# cgroup plugins do not work in a sandbox without systemd.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
# A node left DOWN by an earlier run comes back when its slurmd registers.
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
# Finished jobs stay visible for 5 minutes. sbatch --wait polls at 2, 10,
# 42 s and then every 32 s (its interval stops growing at MinJobAge/2, so
# that it sees every task's exit code before the record is purged): a
# smaller value makes --wait return sooner but may lose an exit code.
MinJobAge=300
KillWait=10
Waittime=0
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
	mv "$CONF.tmp" "$CONF"
	# An empty plugin stack, so that /etc/slurm/plugstack.conf.d is not read.
	: >"$STATE/plugstack.conf"
}

# launch NAME CMD...: start CMD in its own session, detached from our
# stdin/stdout/stderr (so a caller reading our output sees EOF when we
# exit), and record its PID. setsid and setpriv exec the daemon in the same
# process, so the PID is the daemon's once its command has become NAME;
# launch waits (at most 5 s) for that, so that alive() can check the name.
launch() {
	local name=$1 pid i
	shift
	setsid "$@" </dev/null >"$LOG_DIR/$name.out" 2>&1 &
	pid=$!
	echo "$pid" >"$PID_DIR/$name.pid"
	for ((i = 0; i < 50; i++)); do
		if alive "$name" || ! kill -0 "$pid" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
}

# wait_until SECONDS DESCRIPTION CMD...: poll CMD every half second.
wait_until() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			fail_start "timed out after $TIMEOUT s waiting for $what"
		fi
		local d
		for d in "${DAEMONS[@]}"; do
			if [[ -e $PID_DIR/$d.pid ]] && ! alive "$d"; then
				fail_start "$d exited while waiting for $what"
			fi
		done
		sleep 0.5
	done
}

ctld_up() { scontrol ping | grep -q 'is UP'; }
node_idle() { [[ $(sinfo -h -N -o %T) == idle ]]; }
munge_up() { [[ -S $MUNGE_SOCKET ]] && munge -n --socket="$MUNGE_SOCKET" | unmunge --socket="$MUNGE_SOCKET"; }

# fail_start prints the error and the end of each daemon's output, stops
# what was started, and exits 1: a failed start leaves nothing running. In
# the foreground the daemons log to stderr (NAME.out) as well as to their
# log files, including errors from before they open the log file.
fail_start() {
	log "error: $1"
	local f
	for f in "$LOG_DIR"/*.out; do
		[[ -s $f ]] || continue
		log "---- tail of $f"
		tail -n 25 "$f" >&2 || true
	done
	stop_daemons
	exit 1
}

# stop_daemons sends SIGTERM to each daemon we started, in reverse start
# order, waits for it to exit (SIGKILL after 15 s), and removes its PID file.
stop_daemons() {
	local i d pid
	for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
		d=${DAEMONS[i]}
		if alive "$d"; then
			pid=$(<"$PID_DIR/$d.pid")
			log "stopping $d (pid $pid)"
			kill -TERM "$pid" 2>/dev/null || true
			local deadline=$((SECONDS + 15))
			while alive "$d"; do
				if ((SECONDS >= deadline)); then
					log "$d (pid $pid) ignored SIGTERM; sending SIGKILL"
					kill -KILL "$pid" 2>/dev/null || true
					deadline=$((SECONDS + 15))
				fi
				sleep 0.2
			done
		fi
		rm -f "$PID_DIR/$d.pid"
	done
}

cmd_start() {
	[[ $EUID == 0 ]] || die "start must run as root (the daemons switch users)"
	local n
	n=$(running_count)
	if ((n == ${#DAEMONS[@]})); then
		log "already running (state in $STATE)"
		echo "export SLURM_CONF=$CONF"
		return 0
	fi
	if ((n > 0)); then
		log "partly running; stopping the rest before starting again"
		stop_daemons
	fi
	# PID files left by daemons that died without stop.
	rm -f "$PID_DIR"/*.pid 2>/dev/null || true
	install_packages
	write_config
	export SLURM_CONF=$CONF

	log "starting munged"
	launch munged setpriv --reuid=munge --regid=munge --init-groups \
		munged -F --socket="$MUNGE_SOCKET" --key-file="$MUNGE_DIR/munge.key" \
		--log-file="$LOG_DIR/munged.log" --pid-file="$MUNGE_DIR/munged.pid" \
		--seed-file="$MUNGE_DIR/munged.seed"
	wait_until "$TIMEOUT" "munged" munge_up

	log "starting slurmctld"
	launch slurmctld slurmctld -D -i -f "$CONF"
	wait_until "$TIMEOUT" "slurmctld (scontrol ping)" ctld_up

	log "starting slurmd"
	launch slurmd slurmd -D -N localhost -f "$CONF"
	wait_until "$TIMEOUT" "the node to be idle (sinfo)" node_idle

	log "up: $(sinfo -h -N -o '%N %T %c CPUs'); state in $STATE"
	echo "export SLURM_CONF=$CONF"
}

cmd_stop() {
	if [[ $(running_count) == 0 ]]; then
		rm -f "$PID_DIR"/*.pid 2>/dev/null || true
		log "not running"
		return 0
	fi
	stop_daemons
	log "stopped"
}

cmd_status() {
	local n d
	n=$(running_count)
	for d in "${DAEMONS[@]}"; do
		if alive "$d"; then
			echo "$d: running (pid $(<"$PID_DIR/$d.pid"))"
		else
			echo "$d: stopped"
		fi
	done
	if ((n == 0)); then
		return 3
	fi
	echo "export SLURM_CONF=$CONF"
	if ((n < ${#DAEMONS[@]})); then
		return 1
	fi
	SLURM_CONF=$CONF sinfo -h -N -o 'node %N: %T, %c CPUs' || true
}

case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
