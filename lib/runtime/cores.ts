/**
 * Whether the PEs of a host share its cores (more PEs than cores), which
 * makes a waiting PE yield its core between polls (scheduler/waiting.ts).
 *
 * `cores` is what the process may run on (os.availableParallelism(): its
 * affinity mask), right for an unbound PE (charmrun, `--bind-to none`) and
 * for a job held to a cpuset. But `mpirun -np 2 node app.js` binds each
 * rank to a core of its own (Open MPI's default for up to 2 ranks), and a
 * bound rank counts 1 core: both PEs then took themselves for
 * oversubscribed and yielded at every poll, 8 B ping-pong 4.2-4.5 us
 * against 2.8-3.0 unbound. Open MPI tells its ranks that it bound them
 * (OMPI_MCA_orte_bound_at_launch) and whether it was allowed to place more
 * ranks than cores (OMPI_MCA_mpi_oversubscribe): bound and not allowed,
 * each rank has cores of its own.
 */
export function sharesCores(pesOnHost: number, cores: number, env: NodeJS.ProcessEnv): boolean {
  if (env.OMPI_MCA_orte_bound_at_launch === '1' && env.OMPI_MCA_mpi_oversubscribe === '0') return false;
  return pesOnHost > cores;
}
