#!/bin/bash
# Open MPI launcher agent for the multi-host test (--mca plm_rsh_agent), and
# the way the test starts mpirun itself. Called like ssh: option words, then
# the host, then the command as words for a shell to join and parse. The
# host name is also the name of its network namespace; the command runs
# there, in a UTS namespace of its own so the "host" has its own hostname
# (which is what MPI_Get_processor_name, and so charm.myHost, go by).
set -euo pipefail
while [[ "${1:-}" == -* ]]; do shift; done
host="$1"
shift
exec ip netns exec "$host" unshare --uts /bin/bash -c "hostname '$host' && $*"
