# SPDX-License-Identifier: GPL-2.0
# sleep SECONDS, as a shell function: bash's read timing out on a pipe that
# never gets data. Under TCG each process started costs a tenth of a second
# of the guest's processor (half of one on the debug kernel), and the
# tests' polling loops (a counter, a "listening" line, a pipe's live
# connections) slept tens of times a second: /bin/sleep took that time
# from the transfers they waited for. Sourced by run.sh and lib.sh.
exec {MP_NAP_FD}<> <(:)
sleep() {
	case $1 in
	*[!0-9.]* | "") command sleep "$@" ;;
	*) read -r -t "$1" -u "$MP_NAP_FD" _ ;;
	esac
	return 0
}
